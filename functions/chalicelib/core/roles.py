"""Staff roles, and the sets of them that routes and services check, each named once for what it
lets its holders do. A set is a tuple (routes list the roles they accept); scope (the caller's unit
subtree) is checked beside it, never by the set alone."""

from __future__ import annotations

CITY_ADMIN = "city_admin"
UNIT_ADMIN = "unit_admin"
CASEWORKER = "caseworker"
HOTLINE_OPERATOR = "hotline_operator"
CONTACT_PERSON = "contact_person"
FINANCE = "finance"
AUDITOR = "auditor"
COUNSELLOR = "counsellor"

# Every role, in the order people see them.
ROLES = (CITY_ADMIN, UNIT_ADMIN, CASEWORKER, HOTLINE_OPERATOR, CONTACT_PERSON, FINANCE, AUDITOR, COUNSELLOR)

# Roles that move money or reach personal data across units: they must sign in with a second
# factor (TOTP). Until their enrolment is recorded, every route but enrolment answers 403.
MFA_ROLES = frozenset({CITY_ADMIN, FINANCE})

# Decisions for the whole city: campaigns, policies, partner apps, reviews, recuperation batches.
CITY = (CITY_ADMIN,)
# ... and what the auditors may read of them.
CITY_READ = (CITY_ADMIN, AUDITOR)
# Manage the units and staff under one's own unit.
ADMINS = (CITY_ADMIN, UNIT_ADMIN)
# Work the cases of one's unit subtree: requests, registrations, archives, nominations, reports.
CASEWORK = (CITY_ADMIN, UNIT_ADMIN, CASEWORKER)
CASEWORK_READ = (*CASEWORK, AUDITOR)
# Casework, and the one-to-one contact persons who visit the families assigned to them.
VISITS = (*CASEWORK, CONTACT_PERSON)
VISITS_READ = (*VISITS, AUDITOR)
# Move a unit's money: budgets, allocations, spending.
MONEY = (CITY_ADMIN, UNIT_ADMIN, FINANCE)
MONEY_READ = (*MONEY, AUDITOR)
# Read what casework produces and finance pays for: rosters, package counts.
CASEWORK_AND_FINANCE_READ = (*CASEWORK_READ, FINANCE)
# Read a unit's roll-up figures (the dashboard).
FIGURES_READ = (CITY_ADMIN, UNIT_ADMIN, FINANCE, AUDITOR)
