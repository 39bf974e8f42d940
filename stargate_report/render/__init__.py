"""nbconvert exporters (HTML, PDF via WeasyPrint) and the glue to templates/."""
