"""Access: Appointments in General Practice, as published by NHS Digital and as recorded in the
patient records, per month for an ICS (or a PCN where finer rows are loaded).

`summary` puts the two side by side; `categories` holds the publication's categories and how the
records' values map onto them (data/rules/access_categories.toml); `months` parses YYYY-MM.
"""
