"""Matched-control evaluation of services: did hospital use change for the people treated?"""
