"""R reference fixtures of the logistic regression (``fixtures.R``) and their inputs."""
