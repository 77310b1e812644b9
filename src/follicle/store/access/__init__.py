"""Who may use the registry: users, sites and sessions; what a password must be; the JSON
API's personal access tokens."""
