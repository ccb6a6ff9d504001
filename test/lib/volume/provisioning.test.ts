// The SR's provisioning as the driver and the collector both read it: sm-config's when it names one,
// else device-config's, thin by default; an invalid device-config value with no sm-config answer is none.
import test from 'ava';
import { srProvisioning } from '../../../lib/volume/provisioning.js';

test('sm-config names it first, then device-config, thin by default', (t) => {
  t.is(srProvisioning({ provisioning: 'thin' }, { provisioning: 'thick' }), 'thick');
  t.is(srProvisioning({ provisioning: 'thick' }, {}), 'thick');
  t.is(srProvisioning({}, {}), 'thin');
  t.is(srProvisioning({ provisioning: 'thick' }, { provisioning: 'bogus' }), 'thick', 'an sm-config value that is none of the two is ignored');
});

test('an invalid device-config value without an sm-config answer is undefined', (t) => {
  t.is(srProvisioning({ provisioning: 'THIN' }, {}), undefined);
  t.is(srProvisioning({ provisioning: 'thin; rm -rf /' }, {}), undefined);
});
