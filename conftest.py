"""Repository-wide pytest settings: a skipped test counts as a failure."""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(
            f"{skipped} test(s) skipped: every test must run (missing service?)",
            red=True,
        )
        session.exitstatus = 1
