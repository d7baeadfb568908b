"""Consent store adapters: :mod:`ncpeh.consent.adapters.sql`."""
