enum DKIMConfigPlaceholder {}
