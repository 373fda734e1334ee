#include "formats/pickle.h"

#include <string>

#include "gtest/gtest.h"

namespace fairport {
namespace {

using Kind = PickleValue::Kind;

std::string P(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

absl::StatusOr<std::unique_ptr<PickleTree>> Parse(const std::string& s) {
  return ParsePickle(s);
}

void ExpectError(const std::string& pickle, const std::string& fragment) {
  auto tree = Parse(pickle);
  ASSERT_FALSE(tree.ok()) << "expected an error containing: " << fragment;
  EXPECT_NE(tree.status().message().find(fragment), std::string::npos)
      << tree.status();
}

TEST(PickleTest, ParsesDictOfScalarsWithMemo) {
  // pickle.dumps({'a': 1, 'b': [True, None, 2.5], 'c': 'a'}, protocol=2) shape,
  // with 'a' re-used through the memo.
  std::string s =
      P({0x80, 0x02, '}',  'q', 0x00, '(',  'X',  1,   0,   0,    0,   'a',
         'q',  0x01, 'K',  1,   'X',  1,    0,    0,   0,   'b',  ']', 'q',
         0x02, '(',  0x88, 'N', 'G',  0x40, 0x04, 0,   0,   0,    0,   0,
         0,    'e',  'X',  1,   0,    0,    0,    'c', 'h', 0x01, 'u', '.'});
  auto tree = Parse(s);
  ASSERT_TRUE(tree.ok()) << tree.status();
  const PickleValue& root = (*tree)->root();
  ASSERT_TRUE(root.is(Kind::kDict));
  EXPECT_EQ(root.Find("a")->int_value(), 1);
  const PickleValue* list = root.Find("b");
  ASSERT_EQ(list->items().size(), 3u);
  EXPECT_TRUE(list->items()[0]->bool_value());
  EXPECT_TRUE(list->items()[1]->is(Kind::kNone));
  EXPECT_DOUBLE_EQ(list->items()[2]->float_value(), 2.5);
  EXPECT_EQ(root.Find("c")->text(), "a");
}

TEST(PickleTest, DecodesLong1AsSigned64BitIntegers) {
  // 9223372036854775807 (fairseq's softmax_batch) and -1, as LONG1.
  auto big = Parse(P(
      {0x80, 2, 0x8a, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.'}));
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ((*big)->root().int_value(), INT64_MAX);
  auto minus_one = Parse(P({0x80, 2, 0x8a, 1, 0xff, '.'}));
  ASSERT_TRUE(minus_one.ok());
  EXPECT_EQ((*minus_one)->root().int_value(), -1);
  auto zero = Parse(P({0x80, 2, 0x8a, 0, '.'}));
  EXPECT_EQ((*zero)->root().int_value(), 0);
}

TEST(PickleTest, RejectsIntegersBeyond64Bits) {
  ExpectError(P({0x80, 2, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1, '.'}),
              "does not fit in 64 bits");
}

TEST(PickleTest, RejectsUnknownOpcodeWithItsOffset) {
  ExpectError(P({0x80, 2, 'N', 0xff, '.'}), "offset 3: unknown opcode 0xff");
}

TEST(PickleTest, RejectsStackUnderflow) {
  ExpectError(P({0x80, 2, 'a', '.'}), "stack underflow");
}

TEST(PickleTest, RejectsMarkThatIsNeverClosed) {
  ExpectError(P({0x80, 2, '(', 'N', '.'}), "STOP with an open MARK");
}

TEST(PickleTest, RejectsBingetOfUnsetMemo) {
  ExpectError(P({0x80, 2, 'h', 7, '.'}),
              "offset 2: memo slot 7 read before it was set");
}

TEST(PickleTest, RejectsMissingStop) {
  ExpectError(P({0x80, 2, 'N'}), "without STOP");
}

TEST(PickleTest, RejectsTwoValuesAtStop) {
  ExpectError(P({0x80, 2, 'N', 'N', '.'}), "STOP with 2 values");
}

TEST(PickleTest, RejectsAbsurdLengthBeforeAllocating) {
  ExpectError(P({0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', 'b', 'c'}),
              "runs past the end (3 bytes left)");
}

TEST(PickleTest, BoundsNestingAndFreesDeepTreesWithoutRecursion) {
  std::string s = P({0x80, 2});
  const int depth = 100000;
  s.append(depth, ']');
  s.append(depth - 1, 'a');
  s.push_back('.');
  ExpectError(s, "nested deeper than 1000 levels");
  PickleLimits generous;
  generous.max_depth = 200000;
  auto tree = ParsePickle(
      s, generous);  // parses; destroying it must not overflow the stack
  ASSERT_TRUE(tree.ok()) << tree.status();
}

// LONG_BINPUT / LONG_BINGET of memo slot `i`.
std::string Put(uint32_t i) {
  return P({'r', int(i & 0xff), int(i >> 8 & 0xff), int(i >> 16 & 0xff),
            int(i >> 24)});
}
std::string Get(uint32_t i) {
  return P({'j', int(i & 0xff), int(i >> 8 & 0xff), int(i >> 16 & 0xff),
            int(i >> 24)});
}

TEST(PickleTest, RefusesGrowingAListAfterItWasNestedThroughTheMemo) {
  // root = []; then 5000 times: fetch the last list from the memo, append a
  // new empty list to it. Nests 5000 deep top-down, while each list's own
  // depth was recorded when it was first nested.
  std::string s = P({0x80, 2, ']'}) + Put(0);
  for (uint32_t i = 1; i <= 5000; ++i)
    s += Get(i - 1) + P({']'}) + Put(i) + P({'a', '0'});
  s += ".";
  ExpectError(s, "grows deeper after another value took it in");
}

TEST(PickleTest, RefusesAListThatContainsItself) {
  // a = []; a.append(a): what pickle writes for a recursive list.
  ExpectError(P({0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'}),
              "a value contains itself");
}

TEST(PickleTest, AcceptsAValueSharedThroughTheMemoOnceComplete) {
  // l = [1]; (l, l): the memo shares a finished list, as torch.save does
  // for a storage or a tensor saved twice.
  auto tree = Parse(P(
      {0x80, 2, ']', 'q', 0, 'K', 1, 'a', '0', '(', 'h', 0, 'h', 0, 't', '.'}));
  ASSERT_TRUE(tree.ok()) << tree.status();
  const PickleValue& root = (*tree)->root();
  ASSERT_EQ(root.items().size(), 2u);
  EXPECT_EQ(root.items()[0], root.items()[1]);
  EXPECT_EQ(root.items()[0]->items()[0]->int_value(), 1);
}

TEST(PickleTest, DepthBoundHoldsExactlyAtTheLimit) {
  // n empty lists, then n - 1 APPENDs: the outermost list is n - 1 levels
  // above the innermost.
  auto nested = [](int n) {
    std::string s = P({0x80, 2});
    for (int i = 0; i < n; ++i) s += "]";
    for (int i = 1; i < n; ++i) s += "a";
    return s + ".";
  };
  PickleLimits limits;
  limits.max_depth = 50;
  EXPECT_TRUE(ParsePickle(nested(51), limits).ok());
  auto deeper = ParsePickle(nested(52), limits);
  ASSERT_FALSE(deeper.ok());
  EXPECT_NE(deeper.status().message().find("nested deeper than 50"),
            std::string::npos)
      << deeper.status();
}

TEST(PickleTest, RejectsTextThatIsNotUtf8) {
  // SHORT_BINUNICODE of the single byte 0xFF: torch.load cannot decode it.
  ExpectError(P({0x80, 2, 0x8c, 1, 0xff, '.'}), "invalid UTF-8");
  auto ok = Parse(P({0x80, 2, 0x8c, 2, 0xc3, 0xa9, '.'}));  // U+00E9
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->root().text(), "\xc3\xa9");
}

TEST(PickleTest, NeverCallsGlobalsAndKeepsThemInert) {
  // GLOBAL 'posix system' + REDUCE(('touch /tmp/x',)): what os.system pickles
  // to.
  std::string s = P({0x80, 2, 'c'}) + "posix\nsystem\n" +
                  P({'X', 12, 0, 0, 0}) + "touch /tmp/x" + P({0x85, 'R', '.'});
  auto tree = Parse(s);
  ASSERT_TRUE(tree.ok()) << tree.status();
  const PickleValue& root = (*tree)->root();
  ASSERT_TRUE(root.is(Kind::kObject));
  EXPECT_EQ(root.class_name(), "posix.system");
  EXPECT_EQ(root.args()->items()[0]->text(), "touch /tmp/x");
}

TEST(PickleTest, MapsPython2BuiltinsToPython3Names) {
  auto tree =
      Parse(P({0x80, 2, 'c'}) + "__builtin__\neval\n" + P({')', 'R', '.'}));
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ((*tree)->root().class_name(), "builtins.eval");
}

TEST(PickleTest, BuildsOrderedDictAndIgnoresItsMetadataState) {
  std::string s =
      P({0x80, 2, 'c'}) + "collections\nOrderedDict\n" +
      P({')', 'R', 'X', 1, 0, 0, 0, 'k', 'K', 5, 's', '}', 'b', '.'});
  auto tree = Parse(s);
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_TRUE((*tree)->root().is(Kind::kDict));
  EXPECT_EQ((*tree)->root().Find("k")->int_value(), 5);
}

TEST(PickleTest, NamespaceAttributesAreReachableThroughFind) {
  std::string s = P({0x80, 2, 'c'}) + "argparse\nNamespace\n" +
                  P({')', 0x81, '}', 'X', 4, 0, 0, 0}) + "arch" +
                  P({'X', 3, 0, 0, 0}) + "d2v" + P({'s', 'b', '.'});
  auto tree = Parse(s);
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ((*tree)->root().class_name(), "argparse.Namespace");
  EXPECT_EQ((*tree)->root().Find("arch")->text(), "d2v");
}

// ('storage', torch.FloatStorage, '0', 'cpu', numel) then _rebuild_tensor_v2.
std::string TensorPickle(int numel, int offset, int size0, int size1,
                         int stride0, int stride1) {
  return P({0x80, 2, 'c'}) + "torch._utils\n_rebuild_tensor_v2\n" +
         P({'(', '(', 'X', 7, 0, 0, 0}) + "storage" + P({'c'}) +
         "torch\nFloatStorage\n" + P({'X', 1, 0, 0, 0, '0', 'X', 3, 0, 0, 0}) +
         "cpu" + P({'K',     numel, 't',   'Q',  'K', offset,  'K',
                    size0,   'K',   size1, 0x86, 'K', stride0, 'K',
                    stride1, 0x86,  0x89,  ')',  't', 'R',     '.'});
}

TEST(PickleTest, RebuildsTensorDescriptors) {
  auto tree = Parse(TensorPickle(12, 2, 2, 3, 1, 2));  // a transposed view
  ASSERT_TRUE(tree.ok()) << tree.status();
  const TensorRef& t = (*tree)->root().tensor();
  EXPECT_EQ(t.storage->key, "0");
  EXPECT_EQ(t.storage->dtype, DType::kF32);
  EXPECT_EQ(t.storage_offset, 2);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_FALSE(t.IsContiguous());
  EXPECT_EQ(t.numel(), 6);
}

TEST(PickleTest, RejectsTensorAddressingPastItsStorage) {
  // last element: 10 + (2-1)*3 + (3-1)*1 = 15 >= 12
  ExpectError(TensorPickle(12, 10, 2, 3, 3, 1),
              "addresses element 15 of storage 0, which holds 12");
}

}  // namespace
}  // namespace fairport
