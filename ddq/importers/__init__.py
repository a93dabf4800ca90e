"""Funder templates (XLSForm and ordinary spreadsheets) into ddq definitions: check everything, then write."""
