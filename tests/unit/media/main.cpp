#define BOOST_TEST_MODULE media
#include <boost/test/unit_test.hpp>
