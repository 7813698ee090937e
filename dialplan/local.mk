# dialplan/: the dial plan language (parser, compiler, matcher, linter, tracer,
# emergency classification). Pure policy: depends on core/ only.
noinst_LIBRARIES += dialplan/libdialplan.a
dialplan_libdialplan_a_SOURCES = \
	dialplan/causes.cpp dialplan/causes.hpp \
	dialplan/compiler.cpp \
	dialplan/diagnostic.cpp dialplan/diagnostic.hpp \
	dialplan/diff.cpp dialplan/diff.hpp \
	dialplan/evaluate.cpp \
	dialplan/inline_tests.cpp \
	dialplan/lexer.cpp dialplan/lexer.hpp \
	dialplan/lint.cpp \
	dialplan/live_plan.cpp dialplan/live_plan.hpp \
	dialplan/loader.cpp dialplan/loader.hpp \
	dialplan/model.hpp \
	dialplan/numbering.cpp dialplan/numbering.hpp \
	dialplan/parser.cpp dialplan/syntax.hpp \
	dialplan/pattern.cpp dialplan/pattern.hpp \
	dialplan/plan.hpp \
	dialplan/prefix_table.cpp dialplan/prefix_table.hpp \
	dialplan/regex.cpp dialplan/regex.hpp \
	dialplan/rule_trie.cpp dialplan/rule_trie.hpp \
	dialplan/schedule.cpp dialplan/schedule.hpp \
	dialplan/symbols.cpp dialplan/symbols.hpp \
	dialplan/timezone.cpp dialplan/timezone.hpp \
	dialplan/tracer.cpp dialplan/tracer.hpp
LAYER_CHECKED_FILES += $(dialplan_libdialplan_a_SOURCES)
EXTRA_DIST += dialplan/README.md docs/dialplan.md
