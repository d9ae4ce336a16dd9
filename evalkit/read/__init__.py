"""Reading: paths -> captures and (document, summary) pairs, their text checked and boilerplate stripped."""
