"""The application's pages, one module per resource (each defines ``router``)."""
