"""物业管理联动 (四位一体): compounds, property companies, coverage, tickets and their supervision."""
