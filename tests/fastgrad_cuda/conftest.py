"""Lets the emulation tests import their shared fake device (fake_device.py):
tests run with --import-mode=importlib, which puts no test folder on sys.path."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
