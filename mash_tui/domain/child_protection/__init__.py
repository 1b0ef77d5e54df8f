"""After the front door (DOMAIN.md section 10): the child protection route, quorum, booking
conferences, and allegations against staff (ASV/LADO)."""
