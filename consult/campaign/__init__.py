"""The campaign "10, 100, 1000 human rights cities and territories by 2030": joining, verifying,
following commitments. Models in models.py, figures for public pages in figures.py."""
