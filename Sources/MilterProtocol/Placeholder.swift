enum MilterProtocolPlaceholder {}
