"""The rules engine: declarative checks under rules/checks/ matched over exposures, transfers and facts."""
