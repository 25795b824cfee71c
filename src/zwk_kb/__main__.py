from zwk_kb.cli import main

main()
