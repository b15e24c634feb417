"""Chinese working-day calendar and working-day deadline clocks."""
