#define BOOST_TEST_MODULE dialplan
#include <boost/test/unit_test.hpp>
