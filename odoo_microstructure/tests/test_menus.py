from odoo.tests import new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT

from .common import MicrostructureCommon


class TestMenus(MicrostructureCommon):
    def test_apps_and_settings_for_system_administrators_only(self):
        """No role of the addon, the national administrator included, sees
        Odoo's Apps or Settings menus; the system administrator does."""
        dpo = new_test_user(
            self.env, login="ms_dpo_menus", groups="odoo_microstructure.group_microstructure_dpo",
            context=DISABLED_MAIL_CONTEXT,
        )
        system_menus = self.env.ref("base.menu_management") | self.env.ref("base.menu_administration")
        Menu = self.env["ir.ui.menu"]
        for user in (self.user_manager, self.user_admin_a, self.user_gp_a1, self.user_psy_a,
                     self.user_coord_b1, self.user_regional_ge, self.user_carsat, dpo):
            with self.subTest(login=user.login):
                roots = Menu.with_user(user).load_menus(False)["root"]["children"]
                self.assertTrue(roots)
                self.assertFalse(set(system_menus.ids) & set(roots))
                self.assertFalse(system_menus & Menu.with_user(user).search([]))
        roots = Menu.with_user(self.env.ref("base.user_admin")).load_menus(False)["root"]["children"]
        self.assertLessEqual(set(system_menus.ids), set(roots))
