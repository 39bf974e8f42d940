from stargate_report.cli.main import console_main

if __name__ == "__main__":  # not when imported (a spawned process re-imports its parent's main module)
    console_main()
