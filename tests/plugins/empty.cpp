// A plugin that registers no checks: `xgrad check` must say so rather than report success.
extern "C" int xgrad_test_plugin_nothing() { return 0; }
