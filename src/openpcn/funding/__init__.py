"""Network Contract DES funding: rules per financial year, PCN entitlements, practice shares."""
