"""The stand-ins, one module per upstream product: Open Zaak, Open Klant, Objects API, Notify."""
