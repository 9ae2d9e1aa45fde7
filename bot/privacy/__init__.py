"""Privacy: export and delete everything stored about one member."""
