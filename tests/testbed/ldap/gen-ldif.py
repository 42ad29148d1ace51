#!/usr/bin/env python3
"""Company directory for the LDAP test bed: ou=people with N inetOrgPerson entries (accented names included).
Deterministic, so tests can name entries: entry 0 is Hélène Dupré (+33 1 44 55 10 00, ext 1000)."""
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1200
BASE = 'dc=example,dc=com'
FIRST = ['Hélène', 'Jérôme', 'François', 'Zoë', 'Chloé', 'Éric', 'Gaëlle', 'Noël', 'Anaïs', 'Bjørn', 'Paul', 'Marie',
         'Luc', 'Sophie', 'Thomas', 'Julie', 'Pierre', 'Camille', 'Nicolas', 'Léa', 'Ömer', 'Inès', 'Maëlle', 'Renée']
LAST = ['Dupré', 'Lefèvre', 'Müller', 'Da Silva', 'Nguyễn', 'Château', 'Garçon', 'Bénard', 'Martin', 'Bernard',
        'Dubois', 'Moreau', 'Laurent', 'Simon', 'Michel', 'Lefebvre', 'Leroy', 'Roux', 'Fournier', 'Girard', "O'Neil"]
OUS = ['Accueil', 'Comptabilité', 'Ventes', 'Informatique', 'Ressources humaines', 'Direction', 'Logistique']

def b64_if_needed(attr, value):
    import base64
    if any(ord(c) > 127 for c in value) or value.startswith((' ', ':', '<')):
        return f'{attr}:: {base64.b64encode(value.encode()).decode()}'
    return f'{attr}: {value}'

out = [f'dn: {BASE}', 'objectClass: dcObject', 'objectClass: organization', 'o: Exemple SA', 'dc: example', '',
       f'dn: ou=people,{BASE}', 'objectClass: organizationalUnit', 'ou: people', '']
for i in range(N):
    first = FIRST[i % len(FIRST)]
    last = LAST[(i // len(FIRST)) % len(LAST)]
    if i >= len(FIRST) * len(LAST):
        last = f'{last} {i}'
    cn = f'{first} {last}'
    uid = f'u{i:05d}'
    ext = 1000 + i
    lines = [f'dn: uid={uid},ou=people,{BASE}', 'objectClass: inetOrgPerson', f'uid: {uid}',
             b64_if_needed('cn', cn), b64_if_needed('givenName', first), b64_if_needed('sn', last),
             'o: Exemple SA', b64_if_needed('ou', OUS[i % len(OUS)]),
             f'telephoneNumber: +33 1 44 55 {ext // 100:02d} {ext % 100:02d}',
             f'mail: {uid}@example.com']
    if i % 3 == 0:
        lines.append(f'mobile: +33 6 12 {i // 100 % 100:02d} {i % 100:02d} 00')
    if i % 5 == 0:
        lines.append(b64_if_needed('title', 'Chargé(e) de clientèle'))
    out += lines + ['']
sys.stdout.write('\n'.join(out))
