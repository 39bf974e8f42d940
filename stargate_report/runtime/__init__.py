"""Optional speed machinery (fork servers, kernel reuse) behind one interface the pipeline can do without."""
