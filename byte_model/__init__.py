"""The tokenizer-free baseline: a small byte-level transformer (config, model, data, train,
evaluate, sample). `import byte_model` stays light; torch loads with the submodules."""
