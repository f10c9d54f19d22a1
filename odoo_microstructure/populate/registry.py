"""The registry of a population, through the ORM: networks, sites,
professionals and their memberships, at a scale of the 2023 figures."""

from collections import defaultdict
from datetime import date, timedelta

from odoo import Command

from . import figures
from .tools import split


def populate_registry(env, rng, scale, counts):
    """Networks, sites, professionals (GPs in one site, psychologists and
    social workers across their network, psychiatrists in polyvalent sites)
    and memberships at ``scale``; return the sites as dicts (see
    ``site_plan``) and the serial number that makes their names unique."""
    regions = {code: env.ref(f"odoo_microstructure.region_{code}") for code in figures.SITES_PER_REGION}
    site_counts = split(max(1, round(figures.SITES * scale)), list(figures.SITES_PER_REGION.values()))
    network_counts = split(max(1, round(figures.NETWORKS * scale)), list(figures.NETWORKS_PER_REGION.values()))
    network_vals, site_places = [], []
    # names unique from one population to the next in a database
    serial = env["ir.sequence"].sudo().search_count([]) + rng.randrange(10**6)
    for (_code, region), n_sites, n_networks in zip(regions.items(), site_counts, network_counts):
        if not n_sites:
            continue
        n_networks = max(1, min(n_networks, n_sites))
        first = len(network_vals)
        for index in range(n_networks):
            network_vals.append({
                "name": f"Réseau {region.name} {serial}-{index + 1}",
                "region_ids": [Command.set(region.ids)],
            })
        departments = region.department_ids
        for index in range(n_sites):
            site_places.append({"network": first + index % n_networks,
                                "department": departments[index % len(departments)]})
    networks = env["microstructure.network"].create(network_vals)
    polyvalent = set(rng.sample(range(len(site_places)), round(figures.POLYVALENT_SHARE * len(site_places))))
    site_vals = []
    for index, place in enumerate(site_places):
        both = index in polyvalent
        mental_only = not both and rng.random() < 0.08
        department = place["department"]
        site_vals.append({
            "name": f"Microstructure {department.name} {serial}-{index + 1}",
            "practice_kind": rng.choice(["cabinet", "cabinet", "msp", "health_centre"]),
            "city": department.name,
            "zip": f"{department.code}000"[:5],
            "department_id": department.id,
            "network_id": networks[place["network"]].id,
            "program_addiction": both or not mental_only,
            "program_mental_health": both or mental_only,
            "date_open": date(2019, 1, 1) + timedelta(days=rng.randrange(4 * 365)),
        })
    sites = env["microstructure.site"].create(site_vals)
    counts["microstructure.network"] = len(networks)
    counts["microstructure.site"] = len(sites)
    memberships = _populate_professionals(env, rng, scale, sites, counts)
    return site_plan(sites, memberships), serial


def _populate_professionals(env, rng, scale, sites, counts):
    by_network = defaultdict(list)
    for site in sites:
        by_network[site.network_id.id].append(site)
    professional_vals, postings = [], []
    used_names = set()

    def person():
        while True:
            sex = rng.choice(["female", "male"])
            name = f"{rng.choice(figures.FIRST_NAMES[sex])} {rng.choice(figures.LAST_NAMES)} {len(used_names) + 1}"
            if name not in used_names:
                used_names.add(name)
                return name

    gp_weights = [rng.choice([1, 2, 2, 3, 4]) for _site in sites]
    for site, count in zip(sites, split(round(figures.PROFESSIONALS["gp"] * scale) or len(sites), gp_weights)):
        for number in range(max(count, 1)):
            professional_vals.append({"name": f"Dr {person()}", "profession": "gp"})
            postings.append({"sites": [site], "role": "coordinator" if number == 0 else "member"})
    network_ids = list(by_network)
    for profession in ("psychologist", "social_worker"):
        total = max(round(figures.PROFESSIONALS[profession] * scale), len(network_ids))
        per_network = split(total, [len(by_network[network_id]) for network_id in network_ids])
        for network_id, count in zip(network_ids, per_network):
            network_sites = by_network[network_id]
            count = max(1, min(count, len(network_sites)))
            for bucket in range(count):
                professional_vals.append({"name": person(), "profession": profession})
                postings.append({"sites": network_sites[bucket::count], "role": "member"})
    poly_sites = sites.filtered("polyvalent") or sites
    psychiatrists = min(len(poly_sites), round(figures.PROFESSIONALS["psychiatrist"] * scale))
    for site in rng.sample(list(poly_sites), psychiatrists):
        professional_vals.append({"name": f"Dr {person()}", "profession": "psychiatrist"})
        postings.append({"sites": [site], "role": "member"})
    professionals = env["microstructure.professional"].create(professional_vals)
    memberships = env["microstructure.membership"].create([
        {"professional_id": professional.id, "site_id": site.id, "role": posting["role"],
         "date_start": site.date_open}
        for professional, posting in zip(professionals, postings)
        for site in posting["sites"]
    ])
    counts["microstructure.professional"] = len(professionals)
    counts["microstructure.membership"] = len(memberships)
    return memberships


def site_plan(sites, memberships, start=None):
    """The sites as the activity generators read them: id, opening,
    programmes, care team per profession (professional ids, coordinators
    first) and all its members."""
    team = defaultdict(lambda: defaultdict(list))
    for membership in memberships:
        team[membership.site_id.id][membership.professional_id.profession].append(membership.professional_id.id)
    return [
        {
            "id": site.id,
            "name": site.name,
            "open": site.date_open or start,
            "addiction": site.program_addiction,
            "mental_health": site.program_mental_health,
            "team": team[site.id],
            "members": [pid for ids in team[site.id].values() for pid in ids],
        }
        for site in sites
    ]
