"""Words and formatting: translations (i18n), HTML-safe formatting, splitting long
messages, reading numbers."""
