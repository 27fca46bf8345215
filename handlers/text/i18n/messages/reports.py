"""Texts for /export and /chart."""

UK: dict[str, str] = {
    "help.export": "вивантажити запити (CSV або Excel, з рядком HXL)",
    "help.export.usage": "csv|xlsx [фільтри]",
    "help.chart": "графік потреб за 8 тижнів",
    "help.chart.usage": "[фільтри]",
    "reports.export_usage": "Використання: /export csv або /export xlsx, далі за бажанням фільтри як у /open (critical, power, район, номер організації).",
}

DE: dict[str, str] = {
    "help.export": "Anfragen exportieren (CSV oder Excel, mit HXL-Zeile)",
    "help.export.usage": "csv|xlsx [Filter]",
    "help.chart": "Diagramm des Bedarfs über 8 Wochen",
    "help.chart.usage": "[Filter]",
    "reports.export_usage": "Verwendung: /export csv oder /export xlsx, danach optional Filter wie bei /open (critical, power, Rajon, Organisationsnummer).",
}

EN: dict[str, str] = {
    "help.export": "export requests (CSV or Excel, with an HXL row)",
    "help.export.usage": "csv|xlsx [filters]",
    "help.chart": "chart of needs over 8 weeks",
    "help.chart.usage": "[filters]",
    "reports.export_usage": "Usage: /export csv or /export xlsx, optionally followed by filters as in /open (critical, power, raion, organisation number).",
}
