from ncpeh.cli import main

main()
