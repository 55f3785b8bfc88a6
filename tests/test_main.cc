// CppUnit runner shared by the unit and integration binaries. With an
// argument it runs only the suites registered under that name
// (CPPUNIT_TEST_SUITE_NAMED_REGISTRATION); without, the default registry.
#include <cppunit/BriefTestProgressListener.h>
#include <cppunit/CompilerOutputter.h>
#include <cppunit/TestResult.h>
#include <cppunit/TestResultCollector.h>
#include <cppunit/TestRunner.h>
#include <cppunit/extensions/TestFactoryRegistry.h>

#include <iostream>

int main(int argc, char** argv) {
  CppUnit::TestFactoryRegistry& registry = argc > 1
                                               ? CppUnit::TestFactoryRegistry::getRegistry(argv[1])
                                               : CppUnit::TestFactoryRegistry::getRegistry();
  CppUnit::TestResult controller;
  CppUnit::TestResultCollector collector;
  CppUnit::BriefTestProgressListener progress;
  controller.addListener(&collector);
  controller.addListener(&progress);
  CppUnit::TestRunner runner;
  runner.addTest(registry.makeTest());
  runner.run(controller);
  CppUnit::CompilerOutputter outputter(&collector, std::cerr);
  outputter.write();
  const int failed = collector.testFailuresTotal();
  const int total = collector.runTests();
  std::cout << (total - failed) << " passed, " << failed << " failed" << std::endl;
  return collector.wasSuccessful() && total > 0 ? 0 : 1;
}
