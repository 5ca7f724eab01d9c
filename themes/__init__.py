"""The built-in themes, installed as the package data of `threadpress.themes`."""
