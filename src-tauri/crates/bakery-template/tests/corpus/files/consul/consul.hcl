# stub consul config for the corpus
