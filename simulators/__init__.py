"""Virtual Mi devices that speak the real wire protocols."""
