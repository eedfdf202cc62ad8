"""The vocabulary of evidence-checker: enums, domain types, the rule-pack schema. No I/O."""
