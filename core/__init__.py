"""What every app shares and no feature owns."""
