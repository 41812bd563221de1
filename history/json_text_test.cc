#include "history/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace faultline {
namespace {

std::string minified(std::string_view text) {
  std::string out;
  const char* why = minify_json(text, &out);
  EXPECT_EQ(why, nullptr) << "input: " << text << " error: " << why;
  return out;
}

std::string minify_error(std::string_view text) {
  std::string out;
  const char* why = minify_json(text, &out);
  return why ? why : "(accepted: " + out + ")";
}

TEST(MinifyJson, RemovesWhitespaceOutsideStringsOnly) {
  EXPECT_EQ(minified(" { \"a b\" :\t[1 ,\r\n 2.5e3, \"x \" ] , \"c\":null } "),
            "{\"a b\":[1,2.5e3,\"x \"],\"c\":null}");
  EXPECT_EQ(minified("true"), "true");
  EXPECT_EQ(minified("-0"), "-0");
  EXPECT_EQ(minified("[]"), "[]");
  EXPECT_EQ(minified("{ }"), "{}");
}

TEST(MinifyJson, KeepsStringsAndNumbersAsWritten) {
  EXPECT_EQ(minified(R"("\u00e9\n\/")"), R"("\u00e9\n\/")");
  EXPECT_EQ(minified("\"\xc3\xa9\""), "\"\xc3\xa9\"");
  EXPECT_EQ(minified(R"("\ud83d\ude00")"), R"("\ud83d\ude00")");
  EXPECT_EQ(minified("1.50"), "1.50");
  EXPECT_EQ(minified("1E+2"), "1E+2");
}

TEST(MinifyJson, RejectsInvalidJsonSayingWhy) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "a value is missing"},
      {"[1,,2]", "an invalid value"},
      {"[1,2", "an array is not closed"},
      {"[1 2]", "',' or ']' is missing in an array"},
      {"{\"a\" 1}", "':' is missing after an object key"},
      {"{a:1}", "an object key is not a string"},
      {"{\"a\":1,}", "an object key is not a string"},
      {"{\"a\":1", "an object is not closed"},
      {"tru", "an invalid literal (not true/false/null)"},
      {"nul", "an invalid literal (not true/false/null)"},
      {"01", "more after the value"},
      {"1.", "a digit is missing after '.'"},
      {"1e", "a digit is missing in an exponent"},
      {"+1", "an invalid value"},
      {"1e999", "a number is too large for a double"},
      {"-1e999", "a number is too large for a double"},
      {"\"abc", "a string is not closed"},
      {"\"a\\qb\"", "invalid escape in a string"},
      {"\"\\u12\"", "\\u is not followed by four hex digits"},
      {"\"\\ud800\"", "a high surrogate \\u escape is unpaired"},
      {"\"\\ud800\\u0041\"", "a high surrogate \\u escape is unpaired"},
      {"\"\\udc00\"", "a low surrogate \\u escape is unpaired"},
      {"\"a\tb\"", "a control character is unescaped in a string"},
      {"\"\xff\"", "a string is not valid UTF-8"},
      {"\"\xc3\"", "a string is not valid UTF-8"},
      {"1 2", "more after the value"},
  };
  for (const auto& [input, why] : cases) EXPECT_EQ(minify_error(input), why) << input;
}

TEST(MinifyJsonPrefix, StopsAfterTheFirstValue) {
  std::string out;
  size_t end = 0;
  EXPECT_EQ(minify_json_prefix(R"(  [1, {"a": 2}] , "rest")", &end, &out), nullptr);
  EXPECT_EQ(out, R"([1,{"a":2}])");
  EXPECT_EQ(end, 15u);  // just past the ']'
  out.clear();
  EXPECT_EQ(minify_json_prefix("-12.5e3}", &end, &out), nullptr);
  EXPECT_EQ(out, "-12.5e3");
  EXPECT_EQ(end, 7u);
  out.clear();
  EXPECT_STREQ(minify_json_prefix(R"("open)", &end, &out), "a string is not closed");
  EXPECT_STREQ(minify_json_prefix("", &end, &out), "a value is missing");
}

TEST(UnescapeJsonString, DecodesEveryEscape) {
  std::string out;
  unescape_json_string(R"("a\"b\\c\/d\b\f\n\r\t")", &out);
  EXPECT_EQ(out, "a\"b\\c/d\b\f\n\r\t");
  out.clear();
  unescape_json_string(R"("\u00e9\u20ac\ud83d\ude00 é")", &out);
  EXPECT_EQ(out, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80 \xC3\xA9");
  out.clear();
  unescape_json_string(R"("")", &out);
  EXPECT_EQ(out, "");
}

TEST(MinifyJson, LimitsNesting) {
  const std::string ok = std::string(kMaxNesting, '[') + std::string(kMaxNesting, ']');
  EXPECT_EQ(minified(ok), ok);
  const std::string deep = "[" + ok + "]";
  EXPECT_EQ(minify_error(deep), "nesting deeper than 256");
  EXPECT_EQ(minify_error(std::string(100000, '[')), "nesting deeper than 256");
}

TEST(FiniteNumber, TellsOverflowFromUnderflow) {
  EXPECT_TRUE(finite_number("1.7976931348623157e308"));
  EXPECT_FALSE(finite_number("1.8e308"));
  EXPECT_FALSE(finite_number("-1e309"));
  EXPECT_TRUE(finite_number("1e-400"));  // underflows to 0, which JSON parsers accept
  EXPECT_TRUE(finite_number("-0.000001e-400"));
  EXPECT_TRUE(finite_number("123456789012345678901234567890"));
  EXPECT_FALSE(finite_number(std::string(400, '9')));
  EXPECT_FALSE(finite_number("0.001e99999999999999999999"));
}

TEST(Utf8, ValidatesSequences) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));  // é € 😀
  EXPECT_FALSE(valid_utf8("\x80"));                                 // lone continuation
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));                         // overlong
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));                         // surrogate U+D800
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));                     // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe2\x82"));                             // truncated
  EXPECT_EQ(utf8_sequence_length("a\xf0\x9f\x98\x80", 1), 4u);
}

TEST(Utf8, AppendsCodePoints) {
  std::string s;
  for (char32_t cp : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600'}) append_utf8(cp, &s);
  EXPECT_EQ(s, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST(Hex4, ReadsFourHexDigits) {
  EXPECT_EQ(hex4("x00eF", 1), 0xEF);
  EXPECT_EQ(hex4("FFFF", 0), 0xFFFF);
  EXPECT_EQ(hex4("00g0", 0), -1);
  EXPECT_EQ(hex4("abc", 0), -1);
  EXPECT_EQ(hex4("abcd", 5), -1);
}

TEST(AppendJsonString, EscapesLikeNlohmann) {
  std::string s;
  append_json_string("a\"b\\c\n\t\x01\x1f/\xc3\xa9\x7f", &s);
  EXPECT_EQ(s, R"("a\"b\\c\n\t\u0001\u001f/é)"
               "\x7f\"");
  EXPECT_EQ(s, nlohmann::json("a\"b\\c\n\t\x01\x1f/\xc3\xa9\x7f").dump());
}

// A random JSON value: nested arrays/objects of numbers, strings with
// escapes and non-ASCII text, booleans and null.
nlohmann::json random_json(std::mt19937_64& rng, int depth) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto random_string = [&] {
    static const std::string kPieces[] = {
        "a", "Z", " ", "\"", "\\", "\n", "\x01", "/", "\xc3\xa9", "\xf0\x9f\x98\x80", "7"};
    std::string s;
    for (int i = pick(6); i > 0; --i) s += kPieces[pick(std::size(kPieces))];
    return s;
  };
  switch (depth > 4 ? pick(5) : pick(7)) {
    case 0: return nullptr;
    case 1: return pick(2) == 1;
    case 2: return static_cast<int64_t>(rng()) >> pick(64);
    case 3: return std::ldexp(static_cast<double>(static_cast<int64_t>(rng())), pick(200) - 100);
    case 4: return random_string();
    case 5: {
      nlohmann::json a = nlohmann::json::array();
      for (int i = pick(4); i > 0; --i) a.push_back(random_json(rng, depth + 1));
      return a;
    }
    default: {
      nlohmann::json o = nlohmann::json::object();
      for (int i = pick(4); i > 0; --i) o[random_string()] = random_json(rng, depth + 1);
      return o;
    }
  }
}

TEST(MinifyJson, MinifiesPrettyPrintedJsonToItsCompactForm) {
  const uint64_t seed = std::random_device()();
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const nlohmann::json j = random_json(rng, 0);
    ASSERT_EQ(minified(j.dump(2)), j.dump()) << "seed " << seed;
  }
}

TEST(MinifyJson, OutputOfAcceptedRandomBytesParses) {
  const uint64_t seed = std::random_device()();
  std::mt19937_64 rng(seed);
  static constexpr char kAlphabet[] = "[]{}:,\"\\u0123456789.eE+-truefalsn \xc3\xa9\xed\xa0";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 12); n > 0; --n)
      text.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
    std::string out;
    nlohmann::json parsed;
    if (minify_json(text, &out) == nullptr) {
      ASSERT_NO_THROW(parsed = nlohmann::json::parse(out)) << "seed " << seed << " input " << text;
    }
  }
}

}  // namespace
}  // namespace faultline
