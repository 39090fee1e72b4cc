#include "gen/vocabulary.hpp"

#include <string_view>

namespace atelier::gen {
namespace {

using namespace std::string_view_literals;

constexpr std::string_view kJacketNouns[] = {"Jacket", "Parka", "Windbreaker", "Bomber",
                                             "Coat",   "Shell", "Anorak",      "Puffer"};
constexpr std::string_view kPantsNouns[] = {"Pants",    "Slacks", "Chinos",
                                            "Trousers", "Cargos", "Jeans"};
constexpr std::string_view kShirtNouns[] = {"Tee",         "Shirt", "Henley",
                                            "Button Down", "Polo",  "Flannel"};
constexpr std::string_view kShortsNouns[] = {"Shorts", "Trunks", "Cutoffs", "Board Shorts"};
constexpr std::string_view kSweatNouns[] = {"Joggers", "Sweatpants", "Trackies", "Lounge Pants"};
constexpr std::string_view kHoodieNouns[] = {"Hoodie", "Sweatshirt", "Pullover", "Zip Up"};
constexpr std::string_view kOnesieNouns[] = {"Onesie", "Jumpsuit", "Overalls", "Romper"};
constexpr std::string_view kKicksNouns[] = {"Kicks",    "Runners", "Trainers",   "High Tops",
                                            "Sneakers", "Ones",    "Court Shoes"};
constexpr std::string_view kBootNouns[] = {"Boots", "Chelseas", "Hikers", "Work Boots"};
constexpr std::string_view kDressShoeNouns[] = {"Oxfords", "Loafers", "Brogues", "Derbies"};
constexpr std::string_view kSandalNouns[] = {"Sandals", "Slides", "Flip Flops", "Heels",
                                             "Slippers"};
constexpr std::string_view kAccessoryNouns[] = {"Backpack", "Belt",  "Wallet", "Tote",
                                                "Scarf",    "Socks", "Watch"};
constexpr std::string_view kHatNouns[] = {"Cap", "Beanie", "Bucket Hat", "Fedora", "Visor"};
constexpr std::string_view kSunglassesNouns[] = {"Sunglasses", "Shades", "Aviators", "Frames"};

// Weights: 60% apparel, 25% shoes, 15% one-size accessories. With the sku counts of
// plan_product this gives the 5.8 skus per style of CONTRACT §4.
constexpr CategoryWords kCategories[] = {
    {"Jackets", SizeScale::apparel, 12, kJacketNouns, 40, 400},
    {"Pants", SizeScale::apparel, 10, kPantsNouns, 20, 150},
    {"Shirts", SizeScale::apparel, 10, kShirtNouns, 10, 90},
    {"Shorts", SizeScale::apparel, 8, kShortsNouns, 10, 80},
    {"Sweatpants", SizeScale::apparel, 8, kSweatNouns, 20, 110},
    {"Hoodies", SizeScale::apparel, 7, kHoodieNouns, 25, 140},
    {"Onesies", SizeScale::apparel, 5, kOnesieNouns, 15, 120},
    {"Kicks", SizeScale::shoes, 10, kKicksNouns, 40, 250},
    {"Boots", SizeScale::shoes, 5, kBootNouns, 60, 400},
    {"Dress Shoes", SizeScale::shoes, 5, kDressShoeNouns, 60, 500},
    {"Sandals", SizeScale::shoes, 5, kSandalNouns, 10, 120},
    {"Accessories", SizeScale::one_size, 6, kAccessoryNouns, 5, 300},
    {"Hats", SizeScale::one_size, 5, kHatNouns, 10, 90},
    {"Sunglasses", SizeScale::one_size, 4, kSunglassesNouns, 20, 600},
};

constexpr std::string_view kAdjectives[] = {
    "Camo",      "Bright Future", "Morning",     "Slacker's", "Heir Force",  "Pumped Up",
    "Summer's",  "Blend In",      "YEasy 350",   "Infinity",  "Evening",     "Classic",
    "Heritage",  "Urban",         "Trailblazer", "Midnight",  "Coastal",     "Alpine",
    "Vintage",   "Retro",         "Everyday",    "Weekend",   "Nomad's",     "Cloud",
    "Storm",     "Harbor",        "Canyon",      "Metro",     "Sunday Best", "Lazy Day",
    "Rebel",     "Velvet",        "Rustic",      "Electric",  "Golden Hour", "Frontier",
    "Skater's",  "Sol",           "Nova",        "Drifter",   "Grandpa's",   "Boardwalk",
    "Ironworks", "Northern",      "Southside",   "Low Key",   "High Line",   "Ace",
};

constexpr std::string_view kSloganOpeners[] = {
    "Blend in to your crowd",
    "Pure gold",
    "You've got to wear it to believe it",
    "Make yourself a jewel in your community",
    "Stop fitting in",
    "Built for the long haul",
    "Comfort, style & a little attitude",
    "The last one you'll ever need",
    "Made for mornings",
    "Walk tall",
    "Your new favorite",
    "Less fuss, more fun",
    "Go anywhere, do anything",
    "Cool without trying",
    "Lightweight, tough and ready",
    "Dressed up or dressed down",
    "Weather? What weather",
    "It's not a trend, it's a habit",
    "Step out",
    "Keep it simple",
};

constexpr std::string_view kSloganClosers[] = {
    "",
    ".",
    "!",
    ", from head to toe.",
    ", stand out.",
    " and never look back.",
    " for every season.",
    " all day long.",
    " & then some.",
    " in style.",
    ", no matter the weather.",
    " with a smile.",
    " at the office or the park.",
    ", and mean it.",
};

// Some sentences carry commas, apostrophes, '&' and one has an inner double space: all data the
// loader must keep byte-for-byte (CONTRACT §4).
constexpr std::string_view kDescriptionSentences[] = {
    "The So Fatigues will wake you up and fit you in.",
    "This whole set is sure to be your favorite, and it's built to last.",
    "Whether you're a morning person or not, these will get you moving.",
    "Durable, breathable & comfortable from the first wear to the hundredth.",
    "It's the piece you'll reach for on cold mornings and late nights alike.",
    "Made for city streets, weekend trails & everything in between.",
    "Our designers went back to basics: clean lines, honest fabric, no fuss.",
    "Pairs with jeans, chinos or your favorite joggers.",
    "Machine washable, quick to dry and cut to move with you.",
    "You'll wonder how you ever got by without it.",
    "So comfortable  you'll forget you're wearing them.",
    "Reinforced seams and a relaxed fit mean it won't quit before you do.",
    "Inspired by the classics, updated for today's commute.",
    "Dress it up for dinner or down for the couch, it's your call.",
    "A bit of stretch, a lot of style.",
    "Grandpa's closet meets your weekend plans.",
    "Rain or shine, hot or cold, it's got you covered.",
    "Crafted in small batches by people who care about the details.",
    "Soft on the inside, tough on the outside & easy on the eyes.",
    "The fit is true to size; if you're between sizes, go up.",
    "Lightweight enough to pack, warm enough to matter.",
    "Bold color, simple shape, zero regrets.",
    "Every pair is inspected by hand before it leaves the workshop.",
    "It's the kind of thing you'll lend out and never get back.",
    "Finished with brushed hardware and a hand-stitched label.",
    "Designed in Portland, tested on rainy Tuesdays.",
    "Layer it, roll it, live in it.",
    "Breathable mesh panels keep things cool when the pace picks up.",
    "Our best seller three seasons running, and now in new colors.",
    "No itch, no pinch, no problem.",
    "Goes from trail to taproom without missing a beat.",
    "Cut a little longer in the back for bike rides & bad weather.",
    "Vintage wash, modern fit.",
    "Take it to the beach, the boardroom or the ballpark.",
    "Features we love: deep pockets, tough zips, and a collar that stays put.",
    "Because you deserve something that feels as good as it looks.",
};

constexpr std::string_view kFabric[] = {
    "Canvas",          "100% Cotton",           "Denim",  "Wool",    "Linen", "Silk",
    "Polyester Blend", "99% Cotton 1% Elastic", "Fleece", "Corduroy"};
constexpr std::string_view kSole[] = {"Rubber", "Foam", "Leather", "EVA", "Crepe"};
constexpr std::string_view kMaterial[] = {"FullControlSkin", "Leather", "Suede", "Mesh",
                                          "Recycled Nylon",  "Gore-Tex"};
constexpr std::string_view kButtons[] = {"Brass", "Wood", "Silver", "Plastic", "Mother of Pearl"};
constexpr std::string_view kStitching[] = {"Cross Stitch", "Double Stitch", "Flat Felled",
                                           "Contrast"};
constexpr std::string_view kClosure[] = {"Zipper", "Velcro", "Laces", "Buckle", "Snap Buttons"};
constexpr std::string_view kLenses[] = {"Ultrasheen", "Polarized", "Mirrored", "Gradient"};
constexpr std::string_view kFrame[] = {"AllLight Composition Resin", "Titanium", "Acetate", "Wire"};
constexpr std::string_view kCut[] = {"Skinny", "Loose", "Straight", "Relaxed", "Slim", "Tapered"};
constexpr std::string_view kMidSole[] = {"ControlSupport Arch Bridge", "Cushioned", "Air Pocket",
                                         "Gel"};
constexpr std::string_view kWash[] = {"Stone Wash", "Acid Wash", "Raw", "Dark Rinse"};
constexpr std::string_view kFit[] = {"Regular", "Oversized", "Athletic", "Boxy"};
constexpr std::string_view kLining[] = {"Satin", "Mesh", "Flannel", "Sherpa", "None"};
constexpr std::string_view kPockets[] = {"2", "4", "6", "Hidden Zip"};
constexpr std::string_view kWaterResistance[] = {"Splash Proof", "Water Resistant to 10m",
                                                 "Fully Waterproof"};
constexpr std::string_view kOrigin[] = {"Portugal", "Italy", "Vietnam", "Mexico", "USA"};
constexpr std::string_view kCare[] = {"Machine Wash Cold", "Hand Wash Only", "Dry Clean Only",
                                      "Wipe Clean"};
constexpr std::string_view kWarranty[] = {"1 Year", "2 Years", "Lifetime"};
constexpr std::string_view kWeight[] = {"Light", "Medium", "Heavy", "340 g"};

// The last two are flag features: in the real files their value is the bare word null, about one
// feature row in ten (CONTRACT §4 dirt 2).
constexpr FeatureWords kFeatures[] = {
    {"Fabric", kFabric},
    {"Sole", kSole},
    {"Material", kMaterial},
    {"Buttons", kButtons},
    {"Stitching", kStitching},
    {"Closure", kClosure},
    {"Lenses", kLenses},
    {"Frame", kFrame},
    {"Cut", kCut},
    {"Mid-Sole", kMidSole},
    {"Wash", kWash},
    {"Fit", kFit},
    {"Lining", kLining},
    {"Pockets", kPockets},
    {"Water Resistance", kWaterResistance},
    {"Made In", kOrigin},
    {"Care", kCare},
    {"Warranty", kWarranty},
    {"Weight", kWeight},
    {"Green Leaf Certified", {}},
    {"Satisfaction Guaranteed", {}},
};

constexpr std::string_view kColours[] = {
    "Forest Green & Black",
    "Desert Brown & Tan",
    "Ocean Blue & Grey",
    "Black",
    "White",
    "Red",
    "Navy",
    "Goldenrod",
    "Dark Olive",
    "Heather Grey",
    "Sky Blue & White",
    "Crimson",
    "Cream",
    "Charcoal",
    "Maroon",
    "Khaki",
    "Pink",
    "Turquoise",
    "Lavender",
    "Tan",
    "Black & White",
    "Sea Foam",
    "Burnt Orange",
    "Mustard",
    "Plum",
    "Rose Gold",
    "Slate",
    "Sand",
    "Coral",
    "Midnight Blue",
    "Olive & Cream",
    "Sunset Orange",
    "Emerald",
    "Ivory",
    "Wine",
    "Bone",
    "Steel Blue",
    "Mint",
    "Rust",
    "Teal",
};

constexpr std::string_view kApparelSizes[] = {"XS", "S", "M", "L", "XL", "XXL"};
constexpr std::string_view kShoeSizes[] = {"7",    "7.5", "8",    "8.5", "9",    "9.5", "10",
                                           "10.5", "11",  "11.5", "12",  "12.5", "13"};

}  // namespace

std::span<const CategoryWords> categories() {
  return kCategories;
}
std::span<const std::string_view> name_adjectives() {
  return kAdjectives;
}
std::span<const std::string_view> slogan_openers() {
  return kSloganOpeners;
}
std::span<const std::string_view> slogan_closers() {
  return kSloganClosers;
}
std::span<const std::string_view> description_sentences() {
  return kDescriptionSentences;
}
std::span<const FeatureWords> feature_words() {
  return kFeatures;
}
std::span<const std::string_view> colours() {
  return kColours;
}
std::span<const std::string_view> apparel_sizes() {
  return kApparelSizes;
}
std::span<const std::string_view> shoe_sizes() {
  return kShoeSizes;
}

}  // namespace atelier::gen
