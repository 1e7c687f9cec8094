"""Workforce: the staff register, GP workforce risk indicators and the ARRS planner."""
