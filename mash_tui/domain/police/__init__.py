"""Police notifications: the domestic abuse lane of DOMAIN.md section 9.

`record` reads `mash.notification/1`; `grading` scores DASH and grades; `marac` decides the MARAC
referral; `sharing` the standard-grade pattern and what goes to children's social care; `tasks`
the tasks and their clocks.
"""
