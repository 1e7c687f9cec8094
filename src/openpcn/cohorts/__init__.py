"""Case-finding cohorts, and the disclosure control every patient-derived count passes through."""
