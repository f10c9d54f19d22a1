"""The demo's registry: 22 networks, 143 sites, 535 professionals and their
memberships, written as the demo's CSV files by ``scripts/generate_demo.py``
(plain Python, deterministic).

The demo reproduces the national figures of 2023-09-01 (``figures``): the
sites per region, 36 % polyvalent, 360 GPs, 87 psychologists, 80 social
workers and 8 psychiatrists. Psychologists and social workers serve several
sites of their network, as they do in the field.
"""

import datetime
import random
import unicodedata

from . import figures
from .tools import split

# network xml id suffix, name, region INSEE code, [(town, department), ...]
NETWORKS = [
    ("bourgogne", "Réseau des microstructures de Bourgogne", "27", [
        ("Dijon", "21"), ("Beaune", "21"), ("Nevers", "58"), ("Chalon-sur-Saône", "71"),
        ("Mâcon", "71"), ("Le Creusot", "71"), ("Auxerre", "89")]),
    ("franche_comte", "Réseau des microstructures de Franche-Comté", "27", [
        ("Besançon", "25"), ("Montbéliard", "25"), ("Pontarlier", "25"), ("Dole", "39"),
        ("Lons-le-Saunier", "39"), ("Vesoul", "70"), ("Belfort", "90")]),
    ("bas_rhin", "RMS Alsace - Bas-Rhin", "44", [
        ("Strasbourg", "67"), ("Haguenau", "67"), ("Sélestat", "67"), ("Saverne", "67"),
        ("Obernai", "67"), ("Schiltigheim", "67"), ("Illkirch-Graffenstaden", "67"),
        ("Bischwiller", "67"), ("Molsheim", "67"), ("Wissembourg", "67")]),
    ("haut_rhin", "RMS Alsace - Haut-Rhin", "44", [
        ("Mulhouse", "68"), ("Colmar", "68"), ("Saint-Louis", "68"), ("Guebwiller", "68"),
        ("Thann", "68"), ("Altkirch", "68"), ("Wittenheim", "68")]),
    ("moselle", "Réseau des microstructures de Moselle", "44", [
        ("Metz", "57"), ("Thionville", "57"), ("Forbach", "57"), ("Sarreguemines", "57"),
        ("Sarrebourg", "57"), ("Hayange", "57")]),
    ("lorraine_sud", "Réseau des microstructures de Lorraine Sud", "44", [
        ("Nancy", "54"), ("Lunéville", "54"), ("Toul", "54"), ("Longwy", "54"),
        ("Verdun", "55"), ("Bar-le-Duc", "55"), ("Épinal", "88"),
        ("Saint-Dié-des-Vosges", "88"), ("Remiremont", "88"), ("Gérardmer", "88")]),
    ("champagne_ardenne", "Réseau des microstructures de Champagne-Ardenne", "44", [
        ("Charleville-Mézières", "08"), ("Sedan", "08"), ("Troyes", "10"),
        ("Romilly-sur-Seine", "10"), ("Reims", "51"), ("Châlons-en-Champagne", "51"),
        ("Épernay", "51"), ("Chaumont", "52"), ("Saint-Dizier", "52")]),
    ("aisne", "Réseau des microstructures de l'Aisne", "32", [
        ("Saint-Quentin", "02"), ("Laon", "02"), ("Soissons", "02"), ("Château-Thierry", "02")]),
    ("nord", "Réseau des microstructures du Nord", "32", [
        ("Lille", "59"), ("Roubaix", "59"), ("Tourcoing", "59"), ("Dunkerque", "59"),
        ("Valenciennes", "59"), ("Douai", "59"), ("Cambrai", "59"), ("Maubeuge", "59"),
        ("Armentières", "59")]),
    ("picardie", "Réseau des microstructures Oise-Somme", "32", [
        ("Beauvais", "60"), ("Compiègne", "60"), ("Creil", "60"), ("Noyon", "60"),
        ("Amiens", "80"), ("Abbeville", "80"), ("Albert", "80")]),
    ("pas_de_calais", "Réseau des microstructures du Pas-de-Calais", "32", [
        ("Arras", "62"), ("Lens", "62"), ("Liévin", "62"), ("Béthune", "62"),
        ("Calais", "62"), ("Boulogne-sur-Mer", "62")]),
    ("paris", "Réseau des microstructures de Paris", "11", [
        ("Paris 10e", "75"), ("Paris 13e", "75"), ("Paris 18e", "75"), ("Paris 20e", "75")]),
    ("idf_est", "Réseau des microstructures de l'Est francilien", "11", [
        ("Meaux", "77"), ("Melun", "77"), ("Chelles", "77"), ("Saint-Denis", "93"),
        ("Montreuil", "93"), ("Aubervilliers", "93"), ("Créteil", "94"),
        ("Vitry-sur-Seine", "94")]),
    ("idf_ouest", "Réseau des microstructures de l'Ouest francilien", "11", [
        ("Versailles", "78"), ("Mantes-la-Jolie", "78"), ("Trappes", "78"),
        ("Évry-Courcouronnes", "91"), ("Corbeil-Essonnes", "91"), ("Massy", "91"),
        ("Nanterre", "92"), ("Gennevilliers", "92"), ("Argenteuil", "95")]),
    ("gironde", "Réseau des microstructures de Gironde", "75", [("Bordeaux", "33")]),
    ("midi_pyrenees", "Réseau des microstructures de Midi-Pyrénées", "76", [
        ("Foix", "09"), ("Pamiers", "09"), ("Toulouse Mirail", "31"), ("Toulouse Bagatelle", "31"),
        ("Colomiers", "31"), ("Muret", "31"), ("Saint-Gaudens", "31"), ("Blagnac", "31"),
        ("Auch", "32"), ("Tarbes", "65"), ("Lourdes", "65")]),
    ("gard_lozere", "Réseau des microstructures Gard-Lozère", "76", [
        ("Nîmes", "30"), ("Alès", "30"), ("Bagnols-sur-Cèze", "30"), ("Mende", "48")]),
    ("herault", "Réseau des microstructures de l'Hérault", "76", [
        ("Montpellier", "34"), ("Béziers", "34"), ("Sète", "34"), ("Lunel", "34"),
        ("Agde", "34"), ("Lodève", "34")]),
    ("aude_catalogne", "Réseau des microstructures Aude-Catalogne", "76", [
        ("Carcassonne", "11"), ("Narbonne", "11"), ("Perpignan", "66"), ("Prades", "66"),
        ("Céret", "66")]),
    ("tarn_quercy", "Réseau des microstructures Tarn-Aveyron-Quercy", "76", [
        ("Rodez", "12"), ("Millau", "12"), ("Cahors", "46"), ("Figeac", "46"),
        ("Albi", "81"), ("Castres", "81"), ("Carmaux", "81"), ("Montauban", "82"),
        ("Castelsarrasin", "82")]),
    ("provence", "Réseau des microstructures de Provence", "93", [
        ("Marseille", "13"), ("Aix-en-Provence", "13"), ("Avignon", "84")]),
    ("var", "Réseau des microstructures du Var", "93", [("Toulon", "83")]),
]

MENTAL_HEALTH_ONLY_REGIONS = {"93"}  # PACA joined the post-Covid programme only

FIRST_NAMES = (
    "Camille Claire Sophie Julie Marie Anne Isabelle Nathalie Céline Élodie Aurélie Émilie "
    "Laure Hélène Valérie Sandrine Caroline Pauline Charlotte Manon Léa Chloé Inès Sarah "
    "Thomas Nicolas Julien Pierre Antoine Olivier Laurent Philippe François Sébastien "
    "Mathieu Guillaume Christophe Vincent Jérôme Frédéric David Alexandre Romain Hugo "
    "Louis Paul Benoît Yann Karim Mehdi Samir Fatima Nadia Amina Yasmine"
).split()
LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier "
    "Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez "
    "Gérard Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert "
    "Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc "
    "Payet Rolland Leclercq Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger "
    "Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher Fleury "
    "Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault "
    "Charpentier Ménard Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le Gall "
    "Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Le Roux Cousin Germain "
    "Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc Barré Lebrun "
    "Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet "
    "Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître "
    "Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon "
    "Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte"
).split()
PRACTICE_KINDS = ["cabinet"] * 6 + ["msp"] * 3 + ["health_centre"]


def ascii_slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower().replace(" ", "-")


def unique_number(used, make):
    while True:
        number = make()
        if number not in used:
            used.add(number)
            return number


def luhn_complete(prefix):
    for check in range(10):
        number = f"{prefix}{check}"
        total = 0
        for index, char in enumerate(reversed(number)):
            digit = int(char)
            if index % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            return number
    raise AssertionError(prefix)


def demo_rows(seed=2023):
    """The rows of the demo's CSV files, per file name (dicts whose keys are
    the columns)."""
    rng = random.Random(seed)
    sites = []
    for key, name, region, towns in NETWORKS:
        for town, department in towns:
            sites.append({"network": key, "region": region, "town": town, "department": department})
    _check_geography(sites)

    # Programmes: 51 polyvalent sites, the others run one programme.
    eligible = [s for s in sites if s["region"] not in {"75"}]
    polyvalent = set(id(s) for s in rng.sample(eligible, round(figures.POLYVALENT_SHARE * len(sites))))
    site_rows = []
    used_names = set()
    for index, site in enumerate(sites, start=1):
        site["xmlid"] = f"microstructure_site_{index:03d}_demo"
        both = id(site) in polyvalent
        mental_only = site["region"] in MENTAL_HEALTH_ONLY_REGIONS
        kind = rng.choice(PRACTICE_KINDS)
        practice = {
            "cabinet": f"Cabinet médical {rng.choice(['des Tilleuls', 'du Centre', 'de la Gare', 'des Lilas', 'du Parc', 'Pasteur', 'Victor Hugo', 'Jean Jaurès'])}",
            "msp": f"Maison de santé pluriprofessionnelle de {site['town']}",
            "health_centre": f"Centre de santé de {site['town']}",
        }[kind]
        name = f"Microstructure de {site['town']}"
        assert name not in used_names
        used_names.add(name)
        opened = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(0, 4 * 365))
        site["date_open"] = opened
        site_rows.append({
            "id": site["xmlid"],
            "name": name,
            "practice_kind": kind,
            "practice_name": practice,
            "street": f"{rng.randrange(1, 120)} {rng.choice(['rue de la République', 'avenue Jean Jaurès', 'rue Pasteur', 'place de la Mairie', 'rue Victor Hugo', 'boulevard Gambetta', 'rue du Général de Gaulle'])}",
            "zip": f"{site['department']}{rng.randrange(0, 999):03d}",
            "city": site["town"].split(" ")[0] if site["town"].startswith(("Paris", "Toulouse")) else site["town"],
            "department_id:id": f"department_{site['department'].lower()}",
            "network_id:id": f"microstructure_network_{site['network']}_demo",
            "program_addiction": 1 if both or not mental_only else 0,
            "program_mental_health": 1 if both or mental_only else 0,
            "date_open": opened.isoformat(),
            "consultation_day_ids:id": ",".join(
                f"weekday_{d}" for d in sorted(rng.sample([1, 2, 3, 4, 5], rng.choice([1, 2])))
            ),
        })

    # Professionals and memberships.
    names = set()

    def new_name():
        while True:
            full = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if full not in names:
                names.add(full)
                return full

    professionals = []
    memberships = []
    used_numbers = set()

    def add_professional(profession, site_list, role="member"):
        index = len(professionals) + 1
        xmlid = f"microstructure_professional_{index:03d}_demo"
        full = new_name()
        first, last = full.split(" ", 1)
        row = {
            "id": xmlid,
            "name": f"Dr {full}" if profession in ("gp", "psychiatrist") else full,
            "profession": profession,
            "email": ascii_slug(f"{first}.{last}") + "@exemple.fr",
            "city": site_list[0]["town"],
            "rpps": "",
            "adeli": "",
        }
        department = site_list[0]["department"]
        if profession in ("gp", "psychiatrist"):
            row["rpps"] = unique_number(
                used_numbers, lambda: luhn_complete(f"10{rng.randrange(10**8):08d}")
            )
        else:
            # ADELI: department, profession code (93 psychologist, 04 social worker), order
            code = "93" if profession == "psychologist" else "04"
            row["adeli"] = unique_number(
                used_numbers, lambda: f"{department}{code}{rng.randrange(10**5):05d}"
            )
        professionals.append(row)
        for site in site_list:
            memberships.append({
                "id": f"microstructure_membership_{len(memberships) + 1:04d}_demo",
                "professional_id:id": xmlid,
                "site_id:id": site["xmlid"],
                "role": role,
                "date_start": site["date_open"].isoformat(),
            })

    by_network = {}
    for site in sites:
        by_network.setdefault(site["network"], []).append(site)
    network_sizes = [len(by_network[key]) for key, *_ in NETWORKS]

    # GPs: every site has at least one, bigger practices more.
    gp_per_site = split(figures.PROFESSIONALS["gp"], [rng.choice([1, 2, 2, 3, 4]) for _ in sites], minimum=1)
    for site, count in zip(sites, gp_per_site):
        for n in range(count):
            add_professional("gp", [site], role="coordinator" if n == 0 else "member")

    # Psychologists and social workers serve one or more sites of a network.
    for profession in ("psychologist", "social_worker"):
        per_network = split(figures.PROFESSIONALS[profession], network_sizes, minimum=1, maximum=network_sizes)
        for (key, *_), count in zip(NETWORKS, per_network):
            network_sites = by_network[key]
            buckets = [[] for _ in range(count)]
            for i, site in enumerate(network_sites):
                buckets[i % count].append(site)
            for bucket in buckets:
                add_professional(profession, bucket)

    # Psychiatrists: in polyvalent sites of the mental-health regions.
    candidates = [s for s in sites if id(s) in polyvalent]
    for site in rng.sample(candidates, figures.PROFESSIONALS["psychiatrist"]):
        add_professional("psychiatrist", [site])

    network_rows = []
    for key, name, region, _towns in NETWORKS:
        network_rows.append({
            "id": f"microstructure_network_{key}_demo",
            "name": name,
            "region_ids:id": f"region_{region}",
            "email": f"contact@{key.replace('_', '-')}.exemple.fr",
        })
    return {
        "microstructure.network.csv": network_rows,
        "microstructure.site.csv": site_rows,
        "microstructure.professional.csv": professionals,
        "microstructure.membership.csv": memberships,
    }


def _check_geography(sites):
    """The demo's networks and sites per region are those of 2023."""
    per_region = {}
    for site in sites:
        per_region[site["region"]] = per_region.get(site["region"], 0) + 1
    networks = {}
    for _key, _name, region, _towns in NETWORKS:
        networks[region] = networks.get(region, 0) + 1
    assert per_region == figures.SITES_PER_REGION, per_region
    assert networks == figures.NETWORKS_PER_REGION, networks
