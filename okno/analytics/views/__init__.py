"""Analytics pages: the dashboard, the league of offices, employees, the public page, reports."""
