"""Flask-AppBuilder's own English texts that its zh catalogue leaves untranslated, marks fuzzy or gets wrong,
and the ones its templates and scripts write without `_()` (the confirm and alert dialogs, "No row selected",
select2's placeholder: see templates/appbuilder/general/confirm.html and alert.html).

Listing them here puts them into messages.pot, so `make messages` keeps their Chinese in
translations/zh/LC_MESSAGES/messages.po (merged over FAB's catalogue) instead of marking it obsolete; in English
they stay as they are. tests/http/test_i18n.py checks that each of them is Chinese in the Chinese UI.
"""
from app.vocabulary import N_

FAB_TEXTS = (
    # confirm.html, alert.html and ab_actions.js / ab.js (no `_()` there)
    N_("OK"), N_("Cancel"), N_("No row selected"), N_("Select a State"), N_("Select"),
    # general/lib.html: the row buttons (screen-reader text and tooltips), the list's footer
    N_("Add"), N_("Edit"), N_("Show"), N_("Delete"), N_("Show record"), N_("Back"),
    N_("Are you sure you want to delete this item?"),
    # search filters
    N_("Contains (insensitive)"), N_("Start with"), N_("Starts with"), N_("Not Starts with"), N_("Ends with"),
    N_("Not Ends with"), N_("In"), N_("Not In"),
    # messages of the generic views and forms
    N_("Database Error"), N_("Not a valid choice"), N_("Integrity error, probably unique constraint"),
    # user administration (security views)
    N_("Either select a role or a group"), N_("List Groups"), N_("Show Group"), N_("Add Group"), N_("Edit Group"),
    N_("Groups"), N_("Edit User Information"), N_("User information changed"),
    N_("The user's password for authentication"),
    N_("It's not a good policy to remove a user, just make it inactive"),
    N_("User(s) exists in the role, cannot delete"), N_("User(s) exists in the group, cannot delete"),
    N_("Logout"), N_("Profile"),
)
