"""Time to an event: Kaplan–Meier and the log-rank test, the Aalen–Johansen cumulative
incidence and Gray's test with a competing risk, and the time to a first pregnancy built
on them (Figure 3)."""
