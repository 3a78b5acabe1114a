// A plugin that needs a function the xgrad program does not have: loading it must fail with a
// clear error naming the symbol.
extern "C" int xgrad_test_symbol_nobody_defines(int);

namespace {
const int value = xgrad_test_symbol_nobody_defines(1);
}

extern "C" int xgrad_test_plugin_value() { return value; }
