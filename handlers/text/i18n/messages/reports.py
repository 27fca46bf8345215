"""Texts for /export and /chart."""

UK: dict[str, str] = {
    "help.export": "вивантажити запити (CSV, Excel або HXL)",
    "help.export.usage": "csv|xlsx|hxl [фільтри]",
    "help.chart": "графік потреб за 8 тижнів",
    "help.chart.usage": "[фільтри]",
    "reports.export_usage": "Використання: /export csv, /export xlsx або /export hxl (CSV з хештегами HXL для гуманітарних інструментів), далі за бажанням фільтри як у /open (critical, power, район, номер організації).",
}

DE: dict[str, str] = {
    "help.export": "Anfragen exportieren (CSV, Excel oder HXL)",
    "help.export.usage": "csv|xlsx|hxl [Filter]",
    "help.chart": "Diagramm des Bedarfs über 8 Wochen",
    "help.chart.usage": "[Filter]",
    "reports.export_usage": "Verwendung: /export csv, /export xlsx oder /export hxl (CSV mit HXL-Hashtags für humanitäre Werkzeuge), danach optional Filter wie bei /open (critical, power, Rajon, Organisationsnummer).",
}

EN: dict[str, str] = {
    "help.export": "export requests (CSV, Excel or HXL)",
    "help.export.usage": "csv|xlsx|hxl [filters]",
    "help.chart": "chart of needs over 8 weeks",
    "help.chart.usage": "[filters]",
    "reports.export_usage": "Usage: /export csv, /export xlsx or /export hxl (CSV with HXL hashtags for humanitarian tools), optionally followed by filters as in /open (critical, power, raion, organisation number).",
}
