#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "history/reader.h"

namespace faultline {
namespace {

History parse_ok(std::string_view text, bool independent = false) {
  History h;
  Status st = parse_edn(text, "h.edn", independent, &h);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return h;
}

// The canonical JSON text of the EDN value `edn`, read as an operation's :value.
std::string json_of(std::string_view edn) {
  History h = parse_ok("{:process 0 :type :invoke :f :read :value " + std::string(edn) + "}");
  return h.events.size() == 1 ? h.values.text(h.events[0].value) : "(no event)";
}

TEST(ParseEdn, ReadsJepsenOperationMaps) {
  History h = parse_ok(
      "{:type :invoke, :f :read, :value nil, :process 0, :time 12, :index 0}\n"
      "{:type :ok, :f :read, :value 3, :process 0, :time 20, :index 1, :extra [1 2]}\n"
      "{:type :info, :f :start, :value [:isolated {\"n1\" #{\"n2\"}}], :process :nemesis, "
      ":time 30, :index 2}\n");
  ASSERT_EQ(h.events.size(), 3u);
  const Event& e = h.events[0];
  EXPECT_EQ(e.type, EventType::kInvoke);
  EXPECT_EQ(h.function_name(e), "read");
  EXPECT_EQ(e.value, ValueTable::kNull);
  EXPECT_EQ(e.process, 0);
  EXPECT_EQ(e.time, 12);
  EXPECT_EQ(e.index, 0);
  EXPECT_EQ(e.key, History::kNoKey);
  EXPECT_EQ(h.values.text(h.events[1].value), "3");
  EXPECT_EQ(h.events[1].line, 2u);
  EXPECT_TRUE(h.events[2].is_nemesis());
  EXPECT_EQ(h.events[2].type, EventType::kInfo);
  EXPECT_EQ(h.values.text(h.events[2].value), R"(["isolated",{"n1":["n2"]}])");
  EXPECT_EQ(h.source, "h.edn");
}

TEST(ParseEdn, ReadsEveryTypeAndFunctionsAsKeywordsOrStrings) {
  History h = parse_ok(
      "{:process 1 :type :invoke :f \"cas\"} {:process 1 :type :fail :f :cas}\n"
      "{:process 1 :type :invoke :f :cas} {:process 1 :type :info :f :cas}\n"
      "{:process 2 :type :invoke :f :read} {:process 2 :type :ok :f :read}");
  ASSERT_EQ(h.events.size(), 6u);
  EXPECT_EQ(h.events[1].type, EventType::kFail);
  EXPECT_EQ(h.events[3].type, EventType::kInfo);
  EXPECT_EQ(h.events[5].type, EventType::kOk);
  EXPECT_EQ(h.events[0].f, h.events[1].f);
  EXPECT_EQ(h.function_name(h.events[0]), "cas");
  EXPECT_EQ(h.events[0].index, 0);  // no :index: position in the history
  EXPECT_EQ(h.events[5].index, 5);
  EXPECT_EQ(h.events[3].line, 2u);
}

TEST(ParseEdn, ReadsATopLevelVectorAndMapsSpanningLines) {
  History h = parse_ok(
      ";; a Jepsen history\n"
      "[\n"
      "  {:process 0,\n"
      "   :type :invoke, :f :write, :value 1}\n"
      "  #_{:process 9 :type :ok :f :write}\n"
      "  #jepsen.history.Op{:process 0 :type :ok :f :write :value 1} ; done\n"
      "]\n");
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[0].line, 3u);
  EXPECT_EQ(h.events[1].line, 6u);
  EXPECT_EQ(h.events[1].type, EventType::kOk);
  EXPECT_TRUE(parse_ok("").events.empty());
  EXPECT_TRUE(parse_ok("[]").events.empty());
  EXPECT_TRUE(parse_ok(" ; nothing\n").events.empty());
  EXPECT_EQ(parse_ok("({:process 0 :type :invoke :f :r})").events.size(), 1u);
}

TEST(ParseEdn, ConvertsValuesToCanonicalJson) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"nil", "null"},
      {"true", "true"},
      {"false", "false"},
      {"42", "42"},
      {"-7", "-7"},
      {"+7", "7"},
      {"-0", "0"},
      {"12345678901234567890N", "12345678901234567890"},
      {"1.5", "1.5"},
      {"-2.5e-3", "-2.5e-3"},
      {"1E+9", "1e+9"},
      {"1.", "1.0"},
      {"007.5", "7.5"},
      {"3.25M", "3.25"},
      {"\"a \\\"b\\\"\\n\\t\\\\\"", R"("a \"b\"\n\t\\")"},
      {"\"\\u00e9\\ud83d\\ude00\"", "\"\xc3\xa9\xf0\x9f\x98\x80\""},
      {"\"\\101\\0\"", R"("A\u0000")"},
      {"\"two\nlines\"", R"("two\nlines")"},
      {":ok", R"("ok")"},
      {":jepsen.history/op", R"("jepsen.history/op")"},
      {"some-symbol", R"("some-symbol")"},
      {"\\a", R"("a")"},
      {"\\newline", R"("\n")"},
      {"\\space", R"(" ")"},
      {"\\u00e9", "\"\xc3\xa9\""},
      {"\\o101", R"("A")"},
      {"\\(", R"("(")"},
      {"[1 2 3]", "[1,2,3]"},
      {"[]", "[]"},
      {"(1, :a \"b\")", R"([1,"a","b"])"},
      {"#{}", "[]"},
      {"#{3}", "[3]"},
      {"{:a 1, \"b\" [2], 3 4, 1.5 nil, nil 5, [6] 7}",
       R"({"a":1,"b":[2],"3":4,"1.5":null,"null":5,"[6]":7})"},
      {"{}", "{}"},
      {"[1 #_2 3 #_ #_ 4 5]", "[1,3]"},
      {"[1 ;; comment\n 2]", "[1,2]"},
      {"#inst \"2024-01-02T03:04:05.000-00:00\"", R"("2024-01-02T03:04:05.000-00:00")"},
      {"#uuid\"0b2d0f6e-5a8b-4a46-9b51-4ad1f3a9b0a0\"",
       R"("0b2d0f6e-5a8b-4a46-9b51-4ad1f3a9b0a0")"},
      {"#my.ns/Record{:x 1}", R"({"x":1})"},
      {"#\"a\\d+\"", R"("a\\d+")"},
      {"##Inf", R"("##Inf")"},
      {"^:private [1]", "[1]"},
      {"^{:tag x} {:a [1 {:b #{:c}}]}", R"({"a":[1,{"b":["c"]}]})"},
  };
  for (const auto& [edn, json] : cases) EXPECT_EQ(json_of(edn), json) << edn;
}

// Writes `j` as EDN the way Clojure prints data: vectors, maps, strings with
// escapes, numbers as JSON has them.
std::string to_edn(const nlohmann::json& j) {
  if (j.is_array()) {
    std::string s = "[";
    for (const auto& e : j) s += to_edn(e) + " ";
    return s + "]";
  }
  if (j.is_object()) {
    std::string s = "{";
    for (const auto& [k, v] : j.items()) s += nlohmann::json(k).dump() + " " + to_edn(v) + ", ";
    return s + "}";
  }
  return j.is_null() ? "nil" : j.dump();
}

TEST(ParseEdn, ValuesMatchTheJsonReadersText) {
  const uint64_t seed = std::random_device()();
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  std::function<nlohmann::json(int)> random_json = [&](int depth) -> nlohmann::json {
    static const std::string kPieces[] = {"a", " ", "\"", "\\", "\n", "\x01", "/", "\xc3\xa9", "7"};
    auto random_string = [&] {
      std::string s;
      for (int i = pick(5); i > 0; --i) s += kPieces[pick(std::size(kPieces))];
      return s;
    };
    switch (depth > 3 ? pick(5) : pick(7)) {
      case 0: return nullptr;
      case 1: return pick(2) == 1;
      case 2: return static_cast<int64_t>(rng()) >> pick(64);
      case 3: return std::ldexp(static_cast<double>(static_cast<int64_t>(rng())), pick(100) - 50);
      case 4: return random_string();
      case 5: {
        nlohmann::json a = nlohmann::json::array();
        for (int i = pick(4); i > 0; --i) a.push_back(random_json(depth + 1));
        return a;
      }
      default: {
        nlohmann::json o = nlohmann::json::object();
        for (int i = pick(4); i > 0; --i) o[random_string()] = random_json(depth + 1);
        return o;
      }
    }
  };
  for (int i = 0; i < 1000; ++i) {
    const nlohmann::json j = random_json(0);
    History jsonl;
    const std::string line =
        nlohmann::json{{"process", 0}, {"type", "ok"}, {"f", "read"}, {"value", j}}.dump();
    ASSERT_TRUE(parse_jsonl(line, "h.jsonl", &jsonl).is_ok()) << line;
    ASSERT_EQ(json_of(to_edn(j)), jsonl.values.text(jsonl.events[0].value))
        << "seed " << seed << " edn " << to_edn(j);
  }
}

TEST(ParseEdn, IndependentSplitsKeyFromValue) {
  History h = parse_ok(
      "{:process 0 :type :invoke :f :cas :value [:x [1 2]]}\n"
      "{:process 0 :type :ok :f :cas :value [:x [1 2]]}\n"
      "{:process 1 :type :invoke :f :read :value [7 nil]}\n"
      "{:process 2 :type :invoke :f :read :value nil}\n"
      "{:process :nemesis :type :info :f :start :value [:a :b]}\n"
      "{:process 3 :type :invoke :f :read :value (\"x\" 5)}\n",
      true);
  ASSERT_EQ(h.events.size(), 6u);
  EXPECT_EQ(h.keys.text(h.events[0].key), R"("x")");
  EXPECT_EQ(h.key_name(h.events[0].key), "x");
  EXPECT_EQ(h.values.text(h.events[0].value), "[1,2]");
  EXPECT_EQ(h.events[1].key, h.events[0].key);
  EXPECT_EQ(h.keys.text(h.events[2].key), "7");
  EXPECT_EQ(h.events[2].value, ValueTable::kNull);
  EXPECT_EQ(h.events[3].key, History::kNoKey);
  EXPECT_EQ(h.events[3].value, ValueTable::kNull);
  EXPECT_EQ(h.events[4].key, History::kNoKey);  // nemesis values are not tuples
  EXPECT_EQ(h.values.text(h.events[4].value), R"(["a","b"])");
  EXPECT_EQ(h.events[5].key, h.events[0].key);
  EXPECT_EQ(h.values.text(h.events[5].value), "5");
}

TEST(ParseEdn, WithoutIndependentATupleIsJustAValue) {
  History h = parse_ok("{:process 0 :type :invoke :f :cas :value [:x [1 2]]}");
  EXPECT_EQ(h.events[0].key, History::kNoKey);
  EXPECT_EQ(h.values.text(h.events[0].value), R"(["x",[1,2]])");
}

struct MalformedCase {
  std::string text;
  std::string message;  // the start of the message
  bool independent = false;
};

TEST(ParseEdn, RejectsMalformedInputWithFileAndLine) {
  const std::string ok = "{:process 0 :type :invoke :f :read}\n";
  auto op = [&](std::string_view fields) { return ok + "{" + std::string(fields) + "}\n"; };
  const std::string ptf = ":process 0 :type :ok :f :read ";
  const MalformedCase cases[] = {
      {ok + "{:process 0 :type :ok",
       "h.edn:2: expected '}' to close the operation map opened at "
       "line 2, got end of input"},
      {ok + "{:process 0\n :type :ok\n :f :read :value [1 2}",
       "h.edn:4: expected ']' to close the vector opened at line 4, got '}'"},
      {ok + "{:process 0 :type :ok :f \"read}",
       "h.edn:2: expected '\"' to close the string opened at line 2"},
      {ok + "[1 2]", "h.edn:2: expected a map (one operation), got '['"},
      {ok + ":ok", "h.edn:2: expected a map (one operation), got ':'"},
      {"[" + ok + "\n", "h.edn:3: expected ']' to close the top-level vector opened at line 1"},
      {"[" + ok + "] {}", "h.edn:2: expected the end of input after the top-level collection"},
      {op(":type :ok :f :read"), "h.edn:2: expected a :process key in the operation map"},
      {op(":process 0 :f :read"), "h.edn:2: expected a :type key in the operation map"},
      {op(":process 0 :type :ok"), "h.edn:2: expected an :f key in the operation map"},
      {op(":process :client :type :ok :f :read"),
       "h.edn:2: expected :process to be a non-negative integer or :nemesis"},
      {op(":process -1 :type :ok :f :read"),
       "h.edn:2: expected :process to be a non-negative integer or :nemesis"},
      {op(":process 99999999999999999999 :type :ok :f :read"),
       "h.edn:2: expected :process to be a non-negative integer or :nemesis"},
      {op(":process 0 :type :done :f :read"),
       "h.edn:2: expected :type to be :invoke, :ok, :fail or :info"},
      {op(":process 0 :type :ok :f 3"), "h.edn:2: expected :f to be a keyword or a string"},
      {op(ptf + ":time -5"), "h.edn:2: expected :time to be a non-negative integer"},
      {op(ptf + ":time 1.5"), "h.edn:2: expected :time to be a non-negative integer"},
      {op(ptf + ":index :first"), "h.edn:2: expected :index to be an integer"},
      {op(ptf + ":value 1/2"), "h.edn:2: expected a decimal number"},
      {op(ptf + ":value 0x10"), "h.edn:2: expected a decimal number"},
      {op(ptf + ":value 017"), "h.edn:2: expected a decimal number"},
      {op(ptf + ":value 1e999"), "h.edn:2: expected a decimal number that fits a double"},
      {op(ptf + ":value 1e"), "h.edn:2: expected a decimal number"},
      {op(ptf + ":value {:a}"), "h.edn:2: expected a value after the map key \"a\", got '}'"},
      {op(ptf + ":value 'x"), "h.edn:2: expected an EDN form, got the reader macro '''"},
      {op(ptf + ":value \\bogus"), "h.edn:2: expected a character literal"},
      {op(ptf + ":value \\ud800"), "h.edn:2: expected a character literal"},
      {op(ptf + ":value \"\\ud800\""), "h.edn:2: expected a \\uXXXX surrogate pair"},
      {op(ptf + ":value \"\\q\""), "h.edn:2: expected a string escape"},
      {op(ptf + ":value \"\\u12\""), "h.edn:2: expected four hex digits after \\u"},
      {op(ptf + ":value \"\xff\""), "h.edn:2: expected a string in valid UTF-8"},
      {op(ptf + ":value \xff"), "h.edn:2: expected a symbol, keyword or number in valid UTF-8"},
      {op(ptf + ":value #:a{:b 1}"), "h.edn:2: expected a set #{...}, a tag, a regex or #_"},
      {op(ptf + ":value ##Foo"), "h.edn:2: expected ##Inf, ##-Inf or ##NaN"},
      {op(ptf + ":value :"), "h.edn:2: expected a keyword name after ':'"},
      {op(ptf + ":value #_"), "h.edn:2: expected a form, got '}'"},
      {op(ptf + ":value " + std::string(300, '[') + std::string(300, ']')),
       "h.edn:2: expected forms nested at most 256 deep"},
      {op(ptf + ":value [1 2 3]"), "h.edn:2: expected :value to be an independent [key value]",
       true},
      {op(ptf + ":value 5"), "h.edn:2: expected :value to be an independent [key value]", true},
      {op(ptf + ":value [[1] 2]"), "h.edn:2: expected the key of an independent [key value]", true},
  };
  for (const MalformedCase& c : cases) {
    History h;
    Status st = parse_edn(c.text, "h.edn", c.independent, &h);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << c.text;
    EXPECT_EQ(st.message().substr(0, c.message.size()), c.message) << c.text;
  }
}

TEST(ParseEdn, DeepDiscardsAndMetadataAreBounded) {
  for (std::string_view unit : {"#_", "^:m ", "#tag "}) {
    std::string text = "{:process 0 :type :ok :f :r :value ";
    for (int i = 0; i < 100000; ++i) text += unit;
    text += "1}";
    History h;
    Status st = parse_edn(text, "h.edn", false, &h);
    EXPECT_EQ(st.code(), Status::Code::kMalformed) << unit;
    EXPECT_NE(st.message().find("nested at most 256 deep"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace faultline
